use super::*;
use crate::source::ComponentSource;

fn engine(version: Option<&str>) -> Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    if let Some(v) = version {
        config
            .module_version(wasmtime::ModuleVersionStrategy::Custom(v.into()))
            .expect("version");
    }
    Engine::new(&config).expect("engine")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ch-cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn builtin() -> (Vec<u8>, [u8; 32]) {
    let bytes = ComponentSource::PEOPLESPHERES
        .read()
        .expect("embedded")
        .into_owned();
    let hash: [u8; 32] = Sha256::digest(&bytes).into();
    (bytes, hash)
}

fn exports_connector(engine: &Engine, c: &Component) -> bool {
    c.component_type()
        .exports(engine)
        .any(|(name, _)| name.starts_with("provisioning:connector/connector@"))
}

#[test]
fn a_stored_component_loads_back_without_compiling() {
    let e = engine(None);
    let dir = temp_dir("roundtrip");
    let cache = DiskCache::new(dir.clone(), &e);
    let (bytes, hash) = builtin();
    assert!(cache.load(&e, &hash).is_none(), "empty cache");
    let compiled = Component::new(&e, &bytes).expect("compiles");
    cache.store(&hash, &compiled);
    let loaded = cache.load(&e, &hash).expect("loads back");
    assert!(exports_connector(&e, &loaded));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&cache.entry_path(&hash)), 0o600);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn truncated_corrupt_or_foreign_entries_are_removed_and_never_used() {
    let e = engine(None);
    let dir = temp_dir("bad");
    let cache = DiskCache::new(dir.clone(), &e);
    let (bytes, hash) = builtin();
    let compiled = Component::new(&e, &bytes).expect("compiles");
    let path = cache.entry_path(&hash);

    cache.store(&hash, &compiled);
    let whole = std::fs::read(&path).expect("entry");
    std::fs::write(&path, &whole[..whole.len() / 2]).expect("truncate");
    assert!(cache.load(&e, &hash).is_none(), "truncated entry used");
    assert!(!path.exists(), "truncated entry kept");

    let mut corrupt = whole.clone();
    let last = corrupt.len() - 100;
    corrupt[last] ^= 0xff;
    std::fs::write(&path, &corrupt).expect("corrupt");
    assert!(cache.load(&e, &hash).is_none(), "corrupt entry used");
    assert!(!path.exists(), "corrupt entry kept");

    // An artifact of another wasmtime version, with a sound digest, under this engine's name.
    let other = engine(Some("0.0.0-another-wasmtime"));
    let foreign = Component::new(&other, &bytes)
        .expect("compiles")
        .serialize()
        .expect("serialize");
    let digest = Sha256::digest(&foreign);
    write_private(&path, &[MAGIC, digest.as_slice(), &foreign]).expect("write");
    assert!(cache.load(&e, &hash).is_none(), "foreign entry used");
    assert!(!path.exists(), "foreign entry kept");

    std::fs::write(&path, b"not a cache entry").expect("garbage");
    assert!(cache.load(&e, &hash).is_none());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_unwritable_cache_is_skipped_and_the_oldest_entries_go_first() {
    let e = engine(None);
    let base = temp_dir("unwritable");
    std::fs::create_dir_all(&base).expect("dir");
    let file = base.join("a-file");
    std::fs::write(&file, b"x").expect("file");
    // A cache folder below a regular file cannot be created: storing is skipped, no panic.
    let cache = DiskCache::new(file.join("components"), &e);
    let (bytes, hash) = builtin();
    let compiled = Component::new(&e, &bytes).expect("compiles");
    cache.store(&hash, &compiled);
    assert!(cache.load(&e, &hash).is_none());

    let cache = DiskCache::new(base.join("many"), &e);
    for i in 0..(MAX_DISK_ENTRIES + 3) {
        let mut h = [0u8; 32];
        h[0] = i as u8;
        cache.store(&h, &compiled);
    }
    let kept = std::fs::read_dir(base.join("many")).expect("dir").count();
    assert_eq!(kept, MAX_DISK_ENTRIES);
    // The remembered settings keys beside them are kept to the same bound.
    for i in 0..(MAX_DISK_ENTRIES + 5) {
        std::fs::write(base.join("many").join(format!("{i:02}.keys.json")), b"[]").expect("keys");
    }
    let mut h = [0u8; 32];
    h[0] = 200;
    cache.store(&h, &compiled);
    let names: Vec<String> = std::fs::read_dir(base.join("many"))
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.iter().filter(|n| n.ends_with(".keys.json")).count(),
        MAX_DISK_ENTRIES
    );
    assert_eq!(
        names.iter().filter(|n| n.ends_with(".cwasm")).count(),
        MAX_DISK_ENTRIES
    );
    std::fs::remove_dir_all(&base).ok();
}
