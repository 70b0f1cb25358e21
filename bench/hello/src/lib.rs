//! Baseline component for `bench/run.py`: the cost of a Spin request that does no work.

/// Answers every request with 200 "hello".
#[spin_sdk::http_component]
fn handle(_req: http::Request<Vec<u8>>) -> http::Response<String> {
    http::Response::builder()
        .status(200)
        .header("content-type", "text/plain")
        .body("hello".to_string())
        .expect("static response is valid")
}
