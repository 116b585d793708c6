"""Discrete-event simulation of corridor operations (SimPy): border posts with lanes by risk channel, single
track with passing loops, gauge-change stations and ferries, fed by the assignment's flows or by the transit
service's records. See docs/simulation.md."""
