//! `zpool status -jv`'s list of files with permanent errors (`errlist`).

use serde::Deserialize;

use super::{Ordered, OutputVersion, check_schema, json};
use crate::error::{Result, ZfsError};
use crate::model::DataError;

const WHAT: &str = "zpool status -v JSON";

#[derive(Debug, Deserialize)]
struct ErrorsDoc {
    output_version: OutputVersion,
    #[serde(default)]
    pools: Ordered<PoolErrorsJson>,
}

#[derive(Debug, Deserialize)]
struct PoolErrorsJson {
    #[serde(default)]
    errlist: Option<ErrList>,
}

/// zpool 2.3 (`errors_nvlist` in `zpool_main.c`) prints the paths as an
/// array, or, when `zpool_get_errlog` failed, `strerror(errno)` as a plain
/// string in the same member, and still exits 0.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ErrList {
    Paths(Vec<String>),
    Failure(String),
}

/// What `zpool status -jvp --json-int POOL` says about the pool's error
/// list: the paths in order (no `errlist` member: none, zpool prints it
/// only for a nonzero error count), or `Err(message)` when zpool could not
/// read the list and put its `strerror` text there instead. Each path is a
/// [`DataError`] without object numbers (the JSON has none).
pub fn parse_data_errors(
    text: &str,
    pool: &str,
) -> Result<std::result::Result<Vec<DataError>, String>> {
    let doc: ErrorsDoc = json(text, WHAT, pool)?;
    check_schema(&doc.output_version, "zpool status", WHAT, pool)?;
    let p = doc
        .pools
        .0
        .iter()
        .find(|(k, _)| k == pool)
        .map(|(_, p)| p)
        .ok_or_else(|| ZfsError::malformed(WHAT, pool, "pool not in output"))?;
    Ok(match &p.errlist {
        None => Ok(Vec::new()),
        Some(ErrList::Paths(paths)) => {
            Ok(paths.iter().map(|path| DataError { path: path.clone(), object: None }).collect())
        }
        Some(ErrList::Failure(message)) => Err(message.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(pool_members: &str) -> String {
        format!(
            r#"{{"output_version":{{"command":"zpool status","vers_major":0,"vers_minor":1}},
               "pools":{{"tank":{{"name":"tank","state":"ONLINE",{pool_members}"error_count":2}}}}}}"#
        )
    }

    #[test]
    fn paths_in_order() {
        let text = doc(r#""errlist":["/mnt/tank/b","tank/fs:<0x2>"],"#);
        let errors = parse_data_errors(&text, "tank").unwrap().unwrap();
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/mnt/tank/b", "tank/fs:<0x2>"]);
        assert!(errors.iter().all(|e| e.object.is_none()));
    }

    #[test]
    fn no_member_is_no_errors_and_a_string_is_zpools_failure() {
        assert_eq!(parse_data_errors(&doc(""), "tank").unwrap(), Ok(Vec::new()));
        let failed = doc(r#""errlist":"Permission denied","#);
        assert_eq!(parse_data_errors(&failed, "tank").unwrap(), Err("Permission denied".into()));
    }

    #[test]
    fn another_pool_only_is_malformed() {
        let err = parse_data_errors(&doc(""), "other").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Malformed);
    }
}
