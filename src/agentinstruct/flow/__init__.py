"""The generic AgentInstruct flow: transformation -> seed instructions -> refinement -> answers."""
