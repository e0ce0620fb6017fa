/work/main/bench/peers/biblib-parse/target/release/deps/cfg_if-74e5a99ac92e23ab.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/main/bench/peers/biblib-parse/target/release/deps/libcfg_if-74e5a99ac92e23ab.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/main/bench/peers/biblib-parse/target/release/deps/libcfg_if-74e5a99ac92e23ab.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs:
