//! The little dense linear algebra a meta-regression needs: symmetric p x p systems with p the
//! number of coefficients (a handful).

/// A square matrix, row-major.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Square {
    pub n: usize,
    pub a: Vec<f64>,
}

impl Square {
    pub fn zeros(n: usize) -> Square {
        Square { n, a: vec![0.0; n * n] }
    }

    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.n + j]
    }

    pub fn add(&mut self, i: usize, j: usize, v: f64) {
        self.a[i * self.n + j] += v;
    }

    /// The inverse of a symmetric positive definite matrix (Cholesky), or `None` when it is
    /// singular (collinear moderators).
    pub fn inverse_spd(&self) -> Option<Square> {
        let n = self.n;
        let mut l = vec![0.0; n * n];
        let scale = (0..n).map(|i| self.get(i, i).abs()).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
        for i in 0..n {
            for j in 0..=i {
                let mut s = self.get(i, j);
                for k in 0..j {
                    s -= l[i * n + k] * l[j * n + k];
                }
                if i == j {
                    if s <= scale * 1e-12 || !s.is_finite() {
                        return None;
                    }
                    l[i * n + i] = s.sqrt();
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        // Inverse of L, then (L^-1)' L^-1.
        let mut li = vec![0.0; n * n];
        for i in 0..n {
            li[i * n + i] = 1.0 / l[i * n + i];
            for j in 0..i {
                let mut s = 0.0;
                for k in j..i {
                    s -= l[i * n + k] * li[k * n + j];
                }
                li[i * n + j] = s / l[i * n + i];
            }
        }
        let mut inv = Square::zeros(n);
        for i in 0..n {
            for j in 0..n {
                let mut s = 0.0;
                for k in i.max(j)..n {
                    s += li[k * n + i] * li[k * n + j];
                }
                inv.a[i * n + j] = s;
            }
        }
        Some(inv)
    }

    /// `self * v`.
    pub fn mul_vec(&self, v: &[f64]) -> Vec<f64> {
        (0..self.n).map(|i| (0..self.n).map(|j| self.get(i, j) * v[j]).sum()).collect()
    }

    /// The sub-matrix of rows and columns `idx`.
    pub fn select(&self, idx: &[usize]) -> Square {
        let mut out = Square::zeros(idx.len());
        for (r, &i) in idx.iter().enumerate() {
            for (c, &j) in idx.iter().enumerate() {
                out.a[r * idx.len() + c] = self.get(i, j);
            }
        }
        out
    }
}

/// `x' diag(w) x` for the rows `x` (each of length p).
pub(crate) fn crossprod(x: &[Vec<f64>], w: &[f64]) -> Square {
    let p = x.first().map_or(0, Vec::len);
    let mut m = Square::zeros(p);
    for (row, wi) in x.iter().zip(w) {
        for i in 0..p {
            for j in 0..p {
                m.add(i, j, wi * row[i] * row[j]);
            }
        }
    }
    m
}

/// `x' diag(w) y`.
pub(crate) fn crossprod_y(x: &[Vec<f64>], w: &[f64], y: &[f64]) -> Vec<f64> {
    let p = x.first().map_or(0, Vec::len);
    let mut out = vec![0.0; p];
    for ((row, wi), yi) in x.iter().zip(w).zip(y) {
        for i in 0..p {
            out[i] += wi * row[i] * yi;
        }
    }
    out
}

/// `a' m b` for vectors a, b.
pub(crate) fn quad(m: &Square, a: &[f64], b: &[f64]) -> f64 {
    let mb = m.mul_vec(b);
    a.iter().zip(&mb).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_of_a_symmetric_matrix() {
        let m = Square { n: 3, a: vec![4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0] };
        let inv = m.inverse_spd().unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| m.get(i, k) * inv.get(k, j)).sum();
                assert!((v - f64::from(u8::from(i == j))).abs() < 1e-12, "{i},{j}: {v}");
            }
        }
    }

    #[test]
    fn a_singular_matrix_has_no_inverse() {
        let m = Square { n: 2, a: vec![1.0, 2.0, 2.0, 4.0] };
        assert!(m.inverse_spd().is_none());
    }
}
