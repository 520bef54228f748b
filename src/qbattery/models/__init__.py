"""Batteries, chargers, reservoirs, topologies and the OpenSystem model."""

from .open_system import Channel, OpenSystem

__all__ = ["Channel", "OpenSystem"]
