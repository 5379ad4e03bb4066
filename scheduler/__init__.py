"""Rota: on-call rotation scheduling with a constraint solver."""
