//! HTTP to the API: the bearer token, JSON in and out, and the server's error body
//! turned into a message that names the code and every bad field.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::time::Duration;

pub struct Client {
    pub base: String,
    pub key: Option<String>,
    agent: ureq::Agent,
}

/// Why a call failed.
#[derive(Debug)]
pub enum Failure {
    /// The server answered with an error body.
    Api {
        status: u16,
        code: String,
        message: String,
        details: Vec<(String, String)>,
    },
    /// No answer (connection refused, timeout, not JSON).
    Transport(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Api {
                status,
                code,
                message,
                details,
            } => {
                write!(f, "{code} ({status}): {message}")?;
                for (field, m) in details {
                    write!(f, "\n  {field}: {m}")?;
                }
                Ok(())
            }
            Failure::Transport(m) => f.write_str(m),
        }
    }
}

/// Percent-encodes a path segment or query value (ids pass through untouched).
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Client {
    pub fn new(base: &str, key: Option<String>) -> Self {
        Client {
            base: base.trim_end_matches('/').to_owned(),
            key,
            agent: ureq::AgentBuilder::new()
                .timeout_connect(Duration::from_secs(10))
                .build(),
        }
    }

    fn request(&self, method: &str, path: &str, query: &[(String, String)]) -> ureq::Request {
        let mut r = self.agent.request(method, &format!("{}{path}", self.base));
        for (k, v) in query {
            r = r.query(k, v);
        }
        if let Some(key) = &self.key {
            r = r.set("authorization", &format!("Bearer {key}"));
        }
        r
    }

    /// One call; the JSON answer (`null` for 204).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let r = self.request(method, path, query);
        let sent = match body {
            Some(b) => r
                .set("content-type", "application/json")
                .send_string(&b.to_string()),
            None => r.call(),
        };
        let response = match sent {
            Ok(r) => r,
            Err(ureq::Error::Status(status, r)) => return Err(api_error(status, r)),
            Err(e) => {
                return Err(Failure::Transport(format!(
                    "cannot reach {}: {e}",
                    self.base
                )))
            }
        };
        if response.status() == 204 {
            return Ok(Value::Null);
        }
        let text = response
            .into_string()
            .map_err(|e| Failure::Transport(format!("the answer could not be read: {e}")))?;
        serde_json::from_str(&text)
            .map_err(|e| Failure::Transport(format!("the answer is not JSON: {e}")))
    }

    /// Reads a server-sent event stream, calling `on_event(id, data)` per event;
    /// returns when the server closes it.
    pub fn stream(
        &self,
        path: &str,
        last_event_id: Option<&str>,
        on_event: &mut dyn FnMut(&str, &str),
    ) -> Result<(), Failure> {
        let mut r = self
            .request("GET", path, &[])
            .set("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            r = r.set("last-event-id", id);
        }
        let response = match r.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(status, r)) => return Err(api_error(status, r)),
            Err(e) => {
                return Err(Failure::Transport(format!(
                    "cannot reach {}: {e}",
                    self.base
                )))
            }
        };
        let (mut id, mut data) = (String::new(), String::new());
        for line in BufReader::new(response.into_reader()).lines() {
            let line = line.map_err(|e| Failure::Transport(format!("stream broke: {e}")))?;
            if line.is_empty() {
                if !data.is_empty() {
                    on_event(&id, &data);
                }
                data.clear();
            } else if let Some(v) = line.strip_prefix("id:") {
                id = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("data:") {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(v.trim_start());
            }
        }
        Ok(())
    }
}

fn api_error(status: u16, r: ureq::Response) -> Failure {
    let body: Value = r
        .into_string()
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let e = &body["error"];
    Failure::Api {
        status,
        code: e["code"].as_str().unwrap_or("http_error").to_owned(),
        message: e["message"]
            .as_str()
            .map_or_else(|| format!("HTTP {status}"), str::to_owned),
        details: e["details"]
            .as_array()
            .map(|d| {
                d.iter()
                    .map(|x| {
                        (
                            x["field"].as_str().unwrap_or_default().to_owned(),
                            x["message"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}
