"""Dev-only tooling (embedded servers, sinks, local payment provider, stack runner, pytest plugin).

Nothing in a production package imports this package; a production install does not pull it."""
