"""Helpers shared by the realtime tests."""

from __future__ import annotations

from channels.testing import WebsocketCommunicator


async def refused_with(ws: WebsocketCommunicator) -> int:
    """Connect, expect the refusal message then the close frame with the same code; return the code."""
    connected, _ = await ws.connect()
    assert connected  # accepted only to say why it is closed
    said = await ws.receive_json_from(timeout=5)
    assert said["type"] == "refused" and said["reason"]
    output = await ws.receive_output(timeout=5)
    assert output["type"] == "websocket.close"
    assert output["code"] == said["code"] and output["reason"] == said["reason"]
    await ws.wait()
    return output["code"]
