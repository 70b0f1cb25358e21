//! A window's events as the provider-neutral conversation the model is sent.

use crate::llm::{Call, Outcome, Turn};
use model::objective::EventData;

/// The conversation of a window as provider-neutral turns.
pub fn history(events: Vec<EventData>) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    let answer = |turns: &mut Vec<Turn>, o: Outcome| match turns.last_mut() {
        Some(Turn::Results(list)) => list.push(o),
        _ => turns.push(Turn::Results(vec![o])),
    };
    for e in events {
        match e {
            EventData::UserMessage { user_message } => turns.push(Turn::User(user_message.content)),
            EventData::AssistantMessage {
                assistant_message: m,
            } => turns.push(Turn::Assistant {
                content: m.content,
                calls: m
                    .tool_calls
                    .into_iter()
                    .map(|c| Call {
                        id: c.tool_call_id,
                        name: c.function_name,
                        arguments: c.arguments,
                    })
                    .collect(),
            }),
            EventData::ToolResult { tool_result: r } => answer(
                &mut turns,
                Outcome {
                    call_id: r.tool_call_id,
                    content: r.result.joined(),
                    is_error: false,
                },
            ),
            EventData::ToolError { tool_error: r } => answer(
                &mut turns,
                Outcome {
                    call_id: r.tool_call_id,
                    content: format!("Error: {}", r.message),
                    is_error: true,
                },
            ),
            EventData::ToolDenied { tool_denied: d } => answer(
                &mut turns,
                Outcome {
                    call_id: d.tool_call_id,
                    content: match d.memo {
                        Some(memo) => format!("The reviewer denied this tool call: {memo}"),
                        None => "The reviewer denied this tool call.".to_owned(),
                    },
                    is_error: true,
                },
            ),
            _ => {}
        }
    }
    turns
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::objective::{
        AssistantMessage, AssistantToolCall, ToolCallRef, ToolCallResult, ToolDenied,
        ToolResultEvent, UserMessage,
    };

    #[test]
    fn history_pairs_every_call_with_its_answer() {
        let call = |id: &str| AssistantToolCall {
            tool_call_id: id.into(),
            function_name: "f".into(),
            arguments: "{}".into(),
            tool: None,
        };
        let events = vec![
            EventData::UserMessage {
                user_message: UserMessage {
                    content: "hi".into(),
                },
            },
            EventData::AssistantMessage {
                assistant_message: AssistantMessage {
                    content: None,
                    tool_calls: vec![call("a"), call("b")],
                },
            },
            EventData::ToolApprovalRequested {
                tool_approval_requested: ToolCallRef {
                    tool_call_id: "b".into(),
                },
            },
            EventData::ToolResult {
                tool_result: ToolResultEvent {
                    tool_call_id: "a".into(),
                    result: ToolCallResult::text("42"),
                },
            },
            EventData::ToolDenied {
                tool_denied: ToolDenied {
                    tool_call_id: "b".into(),
                    memo: Some("no".into()),
                },
            },
            EventData::UserMessage {
                user_message: UserMessage {
                    content: "again".into(),
                },
            },
        ];
        let turns = history(events);
        assert_eq!(turns.len(), 4);
        let Turn::Results(results) = &turns[2] else {
            panic!("{turns:?}")
        };
        assert_eq!(results[0].content, "42");
        assert!(!results[0].is_error);
        assert_eq!(results[1].call_id, "b");
        assert!(results[1].is_error && results[1].content.contains("no"));
        assert_eq!(turns[3], Turn::User("again".into()));
    }
}
