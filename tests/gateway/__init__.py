"""Tests of the gateway package (src/agentinstruct/gateway/)."""
