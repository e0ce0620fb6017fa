/work/main/bench/peers/biblib-parse/target/release/deps/biblib_parse-97fa4e61e887f35b.d: src/main.rs

/work/main/bench/peers/biblib-parse/target/release/deps/biblib_parse-97fa4e61e887f35b: src/main.rs

src/main.rs:
