"""The only OR-Tools code: the CP-SAT formulation, its phases, the max-flow bound, the cores."""
