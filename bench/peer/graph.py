"""The peer's graph for bench/run.py: one node that echoes its input.

The benchmark measures only the assistants API (create, get, search), so the graph only
has to exist; it is kept as small as a LangGraph graph can be.
"""

from typing import TypedDict

from langgraph.graph import END, START, StateGraph


class State(TypedDict):
    """The graph's whole state: one string."""

    text: str


def echo(state: State) -> State:
    """The one node: returns its input unchanged."""
    return {"text": state["text"]}


graph = StateGraph(State).add_node("echo", echo).add_edge(START, "echo").add_edge("echo", END).compile()
