"""Conversation flows, one module per user goal, routed by command words and card verbs."""
