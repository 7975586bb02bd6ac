"""Live updates over websockets (SPEC G): Channels consumers, routing, group names, publish helpers.
Consumers only read; services publish after commit."""
