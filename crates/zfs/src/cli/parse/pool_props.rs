//! `zpool get` and `zpool list` documents: space, health, writability.

use serde::Deserialize;

use super::{Num, Ordered, OutputVersion, PropJson, check_schema, json, prop};
use crate::error::{Result, ZfsError};
use crate::model::{Health, PoolSpace, PoolSummary, PoolWritability};
use crate::names::reported;

#[derive(Debug, Deserialize)]
struct PoolPropsDoc {
    output_version: OutputVersion,
    #[serde(default)]
    pools: Ordered<PoolPropsJson>,
}

#[derive(Debug, Deserialize)]
struct PoolPropsJson {
    name: String,
    #[serde(default)]
    pool_guid: Option<Num>,
    properties: Ordered<PropJson>,
}

fn space_of(props: &Ordered<PropJson>, what: &'static str, pool: &str) -> Result<PoolSpace> {
    let n = |name: &str| prop(props, name, what, pool)?.get(name, pool);
    Ok(PoolSpace {
        size: n("size")?,
        allocated: n("allocated")?,
        free: n("free")?,
        capacity_percent: n("capacity")?,
        fragmentation_percent: prop(props, "fragmentation", what, pool)?
            .get_opt("fragmentation", pool)?,
    })
}

/// The properties of `pool` in a `zpool get -jp` document.
fn pool_get(text: &str, pool: &str) -> Result<Ordered<PropJson>> {
    const WHAT: &str = "zpool get JSON";
    let doc: PoolPropsDoc = json(text, WHAT, pool)?;
    check_schema(&doc.output_version, "zpool get", WHAT, pool)?;
    doc.pools
        .0
        .into_iter()
        .find(|(k, _)| k == pool)
        .map(|(_, p)| p.properties)
        .ok_or_else(|| ZfsError::malformed(WHAT, pool, "pool not in output"))
}

/// The `health` property, as [`Health`].
fn health_of(props: &Ordered<PropJson>, what: &'static str, pool: &str) -> Result<Health> {
    let text = match prop(props, "health", what, pool)? {
        Num::Text(s) => s.clone(),
        Num::Int(n) => n.to_string(),
    };
    Health::from_name(&text)
        .ok_or_else(|| ZfsError::malformed(what, pool, format!("unknown health {text:?}")))
}

/// Parses `zpool get -jp --json-int size,allocated,free,capacity,fragmentation POOL`.
pub fn parse_pool_space(text: &str, pool: &str) -> Result<PoolSpace> {
    space_of(&pool_get(text, pool)?, "zpool get JSON", pool)
}

/// Parses `zpool get -jp --json-int readonly,health POOL`
/// ([`super::super::args::POOL_WRITABILITY`]): `readonly` is `on`/`off`,
/// and a suspended pool's health is SUSPENDED (`zpool_get_state_str`).
pub fn parse_writability(text: &str, pool: &str) -> Result<PoolWritability> {
    const WHAT: &str = "zpool get JSON";
    let props = pool_get(text, pool)?;
    let readonly = match prop(&props, "readonly", WHAT, pool)? {
        Num::Text(s) if s == "on" => true,
        Num::Text(s) if s == "off" => false,
        other => {
            return Err(ZfsError::malformed(WHAT, pool, format!("readonly is {other:?}")));
        }
    };
    Ok(PoolWritability { readonly, suspended: health_of(&props, WHAT, pool)? == Health::Suspended })
}

/// Parses `zpool list -jp --json-int -o guid,health,size,allocated,free,capacity,fragmentation`.
pub fn parse_pool_list(text: &str) -> Result<Vec<PoolSummary>> {
    const WHAT: &str = "zpool list JSON";
    let doc: PoolPropsDoc = json(text, WHAT, "all pools")?;
    check_schema(&doc.output_version, "zpool list", WHAT, "all pools")?;
    let mut out = Vec::new();
    for (_, p) in &doc.pools.0 {
        let name = p.name.as_str();
        let guid = match &p.pool_guid {
            Some(g) => g.get("pool_guid", name)?,
            None => prop(&p.properties, "guid", WHAT, name)?.get("guid", name)?,
        };
        out.push(PoolSummary {
            name: reported(WHAT, name, p.name.clone())?,
            guid,
            health: health_of(&p.properties, WHAT, name)?,
            space: space_of(&p.properties, WHAT, name)?,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
