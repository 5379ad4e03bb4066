// Parse an .ics file with Mozilla's ical.js (Thunderbird's parser) and print its events as JSON.
//
// Usage: node tests/js/parse_ical.js FILE.ics
// Prints a JSON list of {uid, start, end}, times as UTC ISO 8601 strings, in file order.
// Exits 1 when ical.js rejects the file, 2 on a usage error.

import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function eventsOf(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
    };
  });
}

const [path] = process.argv.slice(2);
if (!path) {
  console.error("usage: node parse_ical.js FILE.ics");
  process.exit(2);
}
try {
  console.log(JSON.stringify(eventsOf(readFileSync(path, "utf8"))));
} catch (error) {
  console.error(`ical.js could not parse ${path}: ${error.message}`);
  process.exit(1);
}
