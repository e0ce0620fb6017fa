//! Integration tests of sift-formats, one binary:
//! - `world`: every file of the shared corpus reads with the right count and no lost fields.

mod world;
