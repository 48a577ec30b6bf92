//! Prometheus metrics (`GET /metrics`): batches by outcome, records by status, request latency by
//! route. Each [`Metrics`] has its own registry, so several routers in one process (tests) do not
//! collide. Labels are fixed words, never request data.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub batches: IntCounterVec,
    pub records: IntCounterVec,
    pub activations: IntCounterVec,
    pub latency: HistogramVec,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let batches = IntCounterVec::new(
            Opts::new("perisai_batches_total", "Batch uploads by outcome"),
            &["outcome"],
        )?;
        let records = IntCounterVec::new(
            Opts::new("perisai_records_total", "Records acknowledged, by status"),
            &["status"],
        )?;
        let activations = IntCounterVec::new(
            Opts::new(
                "perisai_activations_total",
                "Activation attempts by outcome",
            ),
            &["outcome"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "perisai_http_request_duration_seconds",
                "Request latency by route",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["route", "status"],
        )?;
        registry.register(Box::new(batches.clone()))?;
        registry.register(Box::new(records.clone()))?;
        registry.register(Box::new(activations.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(Metrics {
            registry,
            batches,
            records,
            activations,
            latency,
        })
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .is_err()
        {
            return String::new();
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
