// Rota: copy buttons, confirmations, auto-submitting selects and planning progress. No framework.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  const done = () => {
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy"; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, () => { field.select(); });
  } else {
    field.select();
    document.execCommand("copy");
    done();
  }
});

document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
});

// The planning progress page polls its job's JSON status until the job is done.
(function pollPlanning() {
  const box = document.getElementById("progress");
  if (!box) return;
  const url = box.dataset.statusUrl;
  const giveUp = Number(box.dataset.giveUp) * 1000;
  const began = Date.now();
  const show = (name, text) => {
    const node = box.querySelector(`[data-field="${name}"]`);
    if (node) node.textContent = text;
  };
  const ratio = (value) => (value === null || value === undefined ? "–" : value.toFixed(2));
  const tick = () => {
    if (Date.now() - began > giveUp) {
      box.querySelector('[data-field="stalled"]').classList.remove("hidden");
      return;
    }
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => {
        if (response.ok) return response.json();
        // 503: the planning queue is out of reach; say so and keep asking.
        if (response.status === 503) return response.json().then((body) => Promise.reject(body));
        return Promise.reject(response.status);
      })
      .then((status) => {
        if (status.done) {
          window.location = status.plan_url || window.location.href;
          return;
        }
        show("phase", status.phase);
        show("elapsed", Math.round(status.elapsed));
        show("best", ratio(status.best));
        show("bound", ratio(status.bound));
        const bar = box.querySelector("progress");
        if (bar) bar.value = Math.min(status.elapsed, status.time_limit);
        setTimeout(tick, 1000);
      })
      .catch((problem) => {
        if (problem && problem.message) show("phase", problem.message);
        setTimeout(tick, 3000);
      });
  };
  setTimeout(tick, 500);
})();
