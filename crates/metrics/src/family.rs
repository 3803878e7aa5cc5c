//! Metric families as plain data, encoded at the end.

use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::MetricType;

/// A sample's value: counts, codes and flags stay integers in the text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// A measurement.
    Float(f64),
}

impl Value {
    /// As a float, for comparisons.
    #[allow(clippy::cast_precision_loss, reason = "Prometheus values are float64")]
    pub fn as_f64(self) -> f64 {
        match self {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
        }
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}

impl From<u8> for Value {
    fn from(v: u8) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<u64> for Value {
    fn from(v: u64) -> Value {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

/// One sample: its labels and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Label names and values, in order.
    pub labels: Vec<(&'static str, String)>,
    /// The value.
    pub value: Value,
}

/// A gauge family: name, help and samples. (Every family here is a gauge:
/// the counters among them, like vdev error counts, reset on `zpool
/// clear`, and smartctl_exporter's counters keep its names, which the
/// encoder would suffix with `_total` if typed counter.)
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The metric name.
    pub name: &'static str,
    /// The help text.
    pub help: &'static str,
    /// The samples.
    pub samples: Vec<Sample>,
}

impl Family {
    /// An empty family.
    pub fn new(name: &'static str, help: &'static str) -> Family {
        Family { name, help, samples: Vec::new() }
    }

    /// Adds a sample.
    pub fn push(&mut self, labels: Vec<(&'static str, String)>, value: impl Into<Value>) {
        self.samples.push(Sample { labels, value: value.into() });
    }

    /// Adds a sample when there is a value.
    pub fn push_some<V: Into<Value>>(
        &mut self,
        labels: Vec<(&'static str, String)>,
        value: Option<V>,
    ) {
        if let Some(v) = value {
            self.push(labels, v);
        }
    }

    pub(crate) fn encode(&self, encoder: &mut DescriptorEncoder<'_>) -> std::fmt::Result {
        let mut metric =
            encoder.encode_descriptor(self.name, self.help, None, MetricType::Gauge)?;
        for sample in &self.samples {
            let labels: Vec<(&str, &str)> =
                sample.labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let mut m = metric.encode_family(&labels)?;
            match sample.value {
                Value::Int(i) => m.encode_gauge(&i)?,
                Value::Float(f) => m.encode_gauge(&f)?,
            }
        }
        Ok(())
    }
}

/// `true` → 1, `false` → 0.
pub(crate) fn flag(b: bool) -> Value {
    Value::Int(i64::from(b))
}

/// A count.
pub(crate) fn num(n: u64) -> Value {
    n.into()
}

/// Labels from pairs.
pub(crate) fn labels<const N: usize>(
    pairs: [(&'static str, &str); N],
) -> Vec<(&'static str, String)> {
    pairs.into_iter().map(|(k, v)| (k, v.to_owned())).collect()
}
