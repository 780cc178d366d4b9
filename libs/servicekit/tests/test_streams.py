"""Streams are created with what the operator configured, and a start never resets what an operator set."""

from __future__ import annotations

import nats
from nats.js.api import StreamConfig

from contracts import StreamSpec
from devkit.testing import Stack, reset_jetstream
from servicekit import bus


async def test_a_start_creates_streams_from_settings_and_keeps_an_operators_later_change(stack: Stack) -> None:
    await reset_jetstream(stack.nats.url)
    nc = await nats.connect(stack.nats.url)
    try:
        js = nc.jetstream()
        settings = bus.StreamSettings(max_age=3600.0, max_msgs=50_000)
        await bus.ensure_streams(js, settings=settings)
        info = await js.stream_info("INTAKE")
        assert info.config.max_age == 3600.0 and info.config.max_msgs == 50_000
        assert info.config.num_replicas == 1
        # the operator raises the limits and shortens retention (nats stream edit)
        edited: StreamConfig = info.config
        edited.max_msgs, edited.max_age = 2_000_000, 600.0
        await js.update_stream(edited)
        await bus.ensure_streams(js, settings=settings)  # every replica's next start
        again = await js.stream_info("INTAKE")
        assert (again.config.max_msgs, again.config.max_age) == (2_000_000, 600.0)
        # a new event family still reaches its stream
        await bus.ensure_streams(js, [StreamSpec("INTAKE", ("intake.>", "legacy.intake.>"))], settings=settings)
        grown = await js.stream_info("INTAKE")
        assert grown.config.subjects == ["intake.>", "legacy.intake.>"]
        assert (grown.config.max_msgs, grown.config.max_age) == (2_000_000, 600.0)
    finally:
        await nc.close()
