/work/main/bench/peers/biblib-parse/target/release/deps/biblib_parse-c152da965726dd3a.d: src/main.rs

/work/main/bench/peers/biblib-parse/target/release/deps/biblib_parse-c152da965726dd3a: src/main.rs

src/main.rs:
