//! Building YAML documents in the order Kubernetes users expect to read them, and
//! writing them as one multi-document stream.

use yaml_rust2::{yaml::Hash, Yaml, YamlEmitter};

/// A mapping whose keys keep the order given.
pub fn map<const N: usize>(entries: [(&str, Yaml); N]) -> Yaml {
    let mut hash = Hash::new();
    for (key, value) in entries {
        hash.insert(Yaml::String(key.to_string()), value);
    }
    Yaml::Hash(hash)
}

/// Adds `key: value` to a mapping (later keys come after earlier ones).
pub fn insert(mapping: &mut Yaml, key: &str, value: Yaml) {
    if let Yaml::Hash(hash) = mapping {
        hash.insert(Yaml::String(key.to_string()), value);
    }
}

pub fn string(text: impl Into<String>) -> Yaml {
    Yaml::String(text.into())
}

pub fn int(value: u64) -> Yaml {
    Yaml::Integer(i64::try_from(value).unwrap_or(i64::MAX))
}

pub fn list(items: impl IntoIterator<Item = Yaml>) -> Yaml {
    Yaml::Array(items.into_iter().collect())
}

/// A mapping of strings to strings, in the order given.
pub fn string_map<'a>(entries: impl IntoIterator<Item = (&'a String, &'a String)>) -> Yaml {
    let mut hash = Hash::new();
    for (key, value) in entries {
        hash.insert(string(key.as_str()), string(value.as_str()));
    }
    Yaml::Hash(hash)
}

/// The documents as one YAML stream (each starts with `---`), ending with a newline.
pub fn write(documents: &[&Yaml]) -> Result<String, String> {
    let mut out = String::new();
    for document in documents {
        let mut text = String::new();
        YamlEmitter::new(&mut text)
            .dump(document)
            .map_err(|e| format!("cannot write YAML: {e:?}"))?;
        out.push_str(&text);
        out.push('\n');
    }
    Ok(out)
}
