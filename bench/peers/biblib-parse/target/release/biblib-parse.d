/work/main/bench/peers/biblib-parse/target/release/biblib-parse: /work/main/bench/peers/biblib-parse/src/main.rs
