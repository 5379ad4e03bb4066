"""Plain functions that take a database session and `now`: the use cases of Rota."""
