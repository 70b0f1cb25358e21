//! Exact routing over path templates, including AIP-136 custom methods (`{id}:publish`).

use crate::app::Route;
use api::{short_form, Method};
use percent_encoding::percent_decode_str;

/// A matched route with its decoded path parameters.
pub struct Match<'r> {
    pub route: &'r Route,
    pub params: Vec<(String, String)>,
    /// Matched through the short form (workspace from the token).
    pub short: bool,
    pub template: String,
}

pub enum Routed<'r> {
    Found(Match<'r>),
    /// The path exists, the method does not; lists the allowed methods.
    MethodNotAllowed(Vec<Method>),
    NotFound,
}

pub fn route<'r>(routes: &'r [Route], method: &str, path: &str) -> Routed<'r> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Vec<(usize, Match<'r>)> = Vec::new();
    for route in routes {
        let short = if route.op.short_form {
            short_form(route.op.path)
        } else {
            None
        };
        let forms = [
            Some((route.op.path.to_owned(), false)),
            short.map(|p| (p, true)),
        ];
        for (template, short) in forms.into_iter().flatten() {
            let Some((score, params)) = match_template(&template, &segments) else {
                continue;
            };
            let better = best.first().is_none_or(|(s, _)| score > *s);
            if better {
                best.clear();
            }
            if better || best.first().is_some_and(|(s, _)| score == *s) {
                best.push((
                    score,
                    Match {
                        route,
                        params,
                        short,
                        template,
                    },
                ));
            }
        }
    }
    if best.is_empty() {
        return Routed::NotFound;
    }
    let method = Method::parse(method);
    let allowed: Vec<Method> = best.iter().map(|(_, m)| m.route.op.method).collect();
    match best
        .into_iter()
        .find(|(_, m)| Some(m.route.op.method) == method)
    {
        Some((_, m)) => Routed::Found(m),
        None => Routed::MethodNotAllowed(allowed),
    }
}

/// Matches one template; the score counts literal characters, so `{id}:publish`
/// beats `{id}` for `agent_1:publish`.
fn match_template(template: &str, segments: &[&str]) -> Option<(usize, Vec<(String, String)>)> {
    let tsegs: Vec<&str> = template.split('/').collect();
    if tsegs.len() != segments.len() {
        return None;
    }
    let mut score = 0;
    let mut params = Vec::new();
    for (t, s) in tsegs.iter().zip(segments) {
        match (t.find('{'), t.find('}')) {
            (Some(open), Some(close)) if open < close => {
                let (prefix, name, suffix) = (&t[..open], &t[open + 1..close], &t[close + 1..]);
                if s.len() <= prefix.len() + suffix.len()
                    || !s.starts_with(prefix)
                    || !s.ends_with(suffix)
                {
                    return None;
                }
                let raw = &s[prefix.len()..s.len() - suffix.len()];
                let value = percent_decode_str(raw).decode_utf8().ok()?.into_owned();
                params.push((name.to_owned(), value));
                score += prefix.len() + suffix.len();
            }
            _ => {
                if t != s {
                    return None;
                }
                score += t.len() + 1;
            }
        }
    }
    Some((score, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_params() {
        let segs: Vec<&str> = "/v1/workspaces/ws_1/agents/agent_2".split('/').collect();
        let (_, p) = match_template("/v1/workspaces/{workspaceId}/agents/{id}", &segs).unwrap();
        assert_eq!(
            p,
            vec![
                ("workspaceId".to_owned(), "ws_1".to_owned()),
                ("id".to_owned(), "agent_2".to_owned())
            ]
        );
        assert!(match_template("/v1/workspaces/{workspaceId}/agents", &segs).is_none());
    }

    #[test]
    fn verbs_score_higher_and_decode() {
        let segs: Vec<&str> = "/v1/agents/agent_2:publish".split('/').collect();
        let (plain, _) = match_template("/v1/agents/{id}", &segs).unwrap();
        let (verb, p) = match_template("/v1/agents/{id}:publish", &segs).unwrap();
        assert!(verb > plain);
        assert_eq!(p[0].1, "agent_2");
        let segs: Vec<&str> = "/v1/agents/external_id:a%2Bb".split('/').collect();
        let (_, p) = match_template("/v1/agents/{id}", &segs).unwrap();
        assert_eq!(p[0].1, "external_id:a+b");
        let segs: Vec<&str> = "/v1/agents/:publish".split('/').collect();
        assert!(match_template("/v1/agents/{id}:publish", &segs).is_none());
    }

    #[test]
    fn short_forms() {
        assert_eq!(
            short_form("/v1/workspaces/{workspaceId}/agents/{id}:archive").as_deref(),
            Some("/v1/agents/{id}:archive")
        );
        assert_eq!(short_form("/v1/me"), None);
    }
}
