//! The scheduler: the `trigger-cron` plugin calls it every second. Each tick fires the
//! schedules that are due (one objective per instant, claimed by compare-and-swap),
//! sends due webhook deliveries (leased, in event order per objective), seals secrets
//! stored before sealing or under a rotated-out key (a batch a tick), then advances objectives with a step due, claimed one at a time under a lease, so overlapping
//! ticks (a tick may outlast the period) and other instances never share one.

use ports::Env;

/// How long one tick keeps taking steps before leaving the rest to the next ticks.
pub const TICK_BUDGET_MS: i64 = 30_000;

/// How long one tick keeps delivering webhooks before turning to objectives.
pub const WEBHOOK_BUDGET_MS: i64 = 10_000;

/// One tick over any host: migrates a fresh database, fires due schedules, delivers
/// due webhooks, then runs due objectives (the ones just created included); how many
/// objectives it advanced.
pub fn tick(env: Env<'_>) -> Result<usize, String> {
    let db = store::Db::new(env.sql);
    store::schema::ensure(&db).map_err(|e| e.to_string())?;
    engine::fire::fire_due(&env, env.clock.now_ms()).map_err(|e| e.to_string())?;
    engine::webhooks::deliver_due(&env, WEBHOOK_BUDGET_MS).map_err(|e| e.to_string())?;
    // sealing old rows must not hold objectives up: its failures are only reported
    if let Err(e) = engine::secrets::reseal(&env) {
        eprintln!("scheduler: sealing secrets: {e}");
    }
    engine::run::Runner::new(env)
        .tick(TICK_BUDGET_MS)
        .map_err(|e| e.to_string())
}

#[cfg(target_arch = "wasm32")]
mod cron {
    wit_bindgen::generate!({ world: "spin-cron", path: "../../wit/cron.wit" });

    struct Cron;

    impl Guest for Cron {
        fn handle_cron_event(_metadata: Metadata) -> Result<(), Error> {
            let host = host::spin::SpinHost::default();
            super::tick(host.env()).map(|_| ()).map_err(|e| {
                eprintln!("scheduler tick failed: {e}");
                Error::Other(e)
            })
        }
    }

    export!(Cron);
}

#[cfg(test)]
mod tests;
