#include "pmt/stats/trf.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace pmt::stats {

namespace {

using Vec = std::array<double, 2>;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kTol = 1e-8;  // scipy's default ftol, xtol, gtol

double dot(const Vec& a, const Vec& b) { return a[0] * b[0] + a[1] * b[1]; }
double norm(const Vec& a) { return std::hypot(a[0], a[1]); }

// The residual model: beta_func(x, a, b) - y, computed as the reference writes beta_func.
struct Model {
  const std::vector<double>& log_x;
  const std::vector<double>& log_1mx;
  const std::vector<double>& y;
  std::size_t m() const { return y.size(); }
  void residuals(const Vec& p, std::vector<double>& f) const {
    const double inv_b =
        1.0 / std::exp(std::lgamma(p[0]) + std::lgamma(p[1]) - std::lgamma(p[0] + p[1]));
    f.resize(y.size());
    for (std::size_t i = 0; i < y.size(); ++i)
      f[i] = inv_b * std::exp((p[0] - 1) * log_x[i]) * std::exp((p[1] - 1) * log_1mx[i]) - y[i];
  }
};

// J (m x 2, column-major) by forward differences, as scipy's approx_derivative('2-point').
void jacobian(const Model& model, const Vec& x, const std::vector<double>& f0,
              std::vector<double>& J, std::vector<double>& scratch) {
  const std::size_t m = model.m();
  J.resize(2 * m);
  for (int j = 0; j < 2; ++j) {
    const double sign = x[j] >= 0 ? 1.0 : -1.0;
    const double h = std::sqrt(kEps) * sign * std::max(1.0, std::fabs(x[j]));
    Vec xh = x;
    xh[j] = x[j] + h;
    const double dx = xh[j] - x[j];
    model.residuals(xh, scratch);
    for (std::size_t i = 0; i < m; ++i) J[j * m + i] = (scratch[i] - f0[i]) / dx;
  }
}

// J_h s for a 2-vector s (J_h = J with columns scaled by d).
struct ScaledJ {
  const std::vector<double>& J;
  Vec d;
  std::size_t m;
  double col_dot(int a, int b) const {  // (J_h^T J_h)_{ab}
    double s = 0;
    for (std::size_t i = 0; i < m; ++i) s += J[a * m + i] * J[b * m + i];
    return s * d[a] * d[b];
  }
};

// Quadratic model pieces on the scaled Gram matrix G = J_h^T J_h (2x2).
struct Quad {
  double g00, g01, g11;
  double jsq(const Vec& s) const {
    return s[0] * s[0] * g00 + 2 * s[0] * s[1] * g01 + s[1] * s[1] * g11;
  }
  double jdot(const Vec& s, const Vec& t) const {
    return s[0] * t[0] * g00 + (s[0] * t[1] + s[1] * t[0]) * g01 + s[1] * t[1] * g11;
  }
};

double evaluate_quadratic(const Quad& q, const Vec& g, const Vec& s, const Vec& diag) {
  const double qq = q.jsq(s) + (s[0] * diag[0] * s[0] + s[1] * diag[1] * s[1]);
  return 0.5 * qq + dot(s, g);
}

// Returns (a, b, c) of the 1-D quadratic along s from s0 (c = 0 without s0).
std::array<double, 3> build_quadratic_1d(const Quad& q, const Vec& g, const Vec& s, const Vec& diag,
                                         const Vec* s0) {
  double a = q.jsq(s) + (s[0] * diag[0] * s[0] + s[1] * diag[1] * s[1]);
  a *= 0.5;
  double b = dot(g, s);
  double c = 0;
  if (s0) {
    b += q.jdot(*s0, s);
    c = 0.5 * q.jsq(*s0) + dot(g, *s0);
    b += (*s0)[0] * diag[0] * s[0] + (*s0)[1] * diag[1] * s[1];
    c += 0.5 * ((*s0)[0] * diag[0] * (*s0)[0] + (*s0)[1] * diag[1] * (*s0)[1]);
  }
  return {a, b, c};
}

std::pair<double, double> minimize_quadratic_1d(double a, double b, double lb, double ub,
                                                double c = 0) {
  double ts[3] = {lb, ub, 0};
  int n = 2;
  if (a != 0) {
    const double extremum = -0.5 * b / a;
    if (lb < extremum && extremum < ub) ts[n++] = extremum;
  }
  int best = 0;  // numpy.argmin: the first minimum
  double best_y = ts[0] * (a * ts[0] + b) + c;
  for (int i = 1; i < n; ++i) {
    const double yv = ts[i] * (a * ts[i] + b) + c;
    if (yv < best_y) {
      best = i;
      best_y = yv;
    }
  }
  return {ts[best], best_y};
}

// Bounds are [0, inf) for both parameters.
std::pair<double, Vec> step_size_to_bound(const Vec& x, const Vec& s) {
  Vec steps{kInf, kInf};
  for (int i = 0; i < 2; ++i) {
    if (s[i] == 0) continue;
    const double to_lb = (0.0 - x[i]) / s[i];
    const double to_ub = (kInf - x[i]) / s[i];
    steps[i] = std::max(to_lb, to_ub);
  }
  const double min_step = std::min(steps[0], steps[1]);
  Vec hits{};
  for (int i = 0; i < 2; ++i)
    hits[i] = steps[i] == min_step ? (s[i] > 0 ? 1.0 : (s[i] < 0 ? -1.0 : 0.0)) : 0.0;
  return {min_step, hits};
}

std::pair<double, double> intersect_trust_region(const Vec& x, const Vec& s, double Delta) {
  const double a = dot(s, s);
  const double b = dot(x, s);
  const double c = dot(x, x) - Delta * Delta;
  const double d = std::sqrt(b * b - a * c);
  const double q = -(b + std::copysign(d, b));
  const double t1 = q / a, t2 = c / q;
  return t1 < t2 ? std::make_pair(t1, t2) : std::make_pair(t2, t1);
}

struct Svd {
  Vec s;                 // singular values, descending
  std::array<Vec, 2> V;  // V[k] = k-th right singular vector
  Vec uf;                // U^T f_augmented
};

// SVD of the (m + 2) x 2 matrix [J_h; diag(sqrt(diag_h))] by one-sided Jacobi rotations.
Svd svd_augmented(const std::vector<double>& J, const Vec& d, const Vec& diag_h_sqrt,
                  const std::vector<double>& f, std::size_t m) {
  // Columns a0, a1 of the augmented matrix, materialised (m + 2 values each).
  std::vector<double> a0(m + 2), a1(m + 2);
  for (std::size_t i = 0; i < m; ++i) {
    a0[i] = J[i] * d[0];
    a1[i] = J[m + i] * d[1];
  }
  a0[m] = diag_h_sqrt[0];
  a0[m + 1] = 0;
  a1[m] = 0;
  a1[m + 1] = diag_h_sqrt[1];
  double c = 1, s = 0;  // accumulated rotation: V = [[c, s], [-s, c]]
  for (int sweep = 0; sweep < 8; ++sweep) {
    double alpha = 0, beta = 0, gamma = 0;
    for (std::size_t i = 0; i < m + 2; ++i) {
      alpha += a0[i] * a0[i];
      beta += a1[i] * a1[i];
      gamma += a0[i] * a1[i];
    }
    if (gamma == 0 || std::fabs(gamma) <= kEps * std::sqrt(alpha * beta)) break;
    const double zeta = (beta - alpha) / (2 * gamma);
    const double t = std::copysign(1.0, zeta) / (std::fabs(zeta) + std::sqrt(1 + zeta * zeta));
    const double cs = 1 / std::sqrt(1 + t * t), sn = cs * t;
    for (std::size_t i = 0; i < m + 2; ++i) {
      const double u = a0[i], v = a1[i];
      a0[i] = cs * u - sn * v;
      a1[i] = sn * u + cs * v;
    }
    const double nc = c * cs - s * sn, ns = s * cs + c * sn;
    c = nc;
    s = ns;
  }
  double n0 = 0, n1 = 0, f0 = 0, f1 = 0;
  for (std::size_t i = 0; i < m + 2; ++i) {
    n0 += a0[i] * a0[i];
    n1 += a1[i] * a1[i];
  }
  for (std::size_t i = 0; i < m; ++i) {  // f_augmented is f padded with zeros
    f0 += a0[i] * f[i];
    f1 += a1[i] * f[i];
  }
  n0 = std::sqrt(n0);
  n1 = std::sqrt(n1);
  Svd out;
  // Column k of the rotated matrix = sigma_k u_k; V's columns are the rotation's columns.
  Vec v0{c, -s}, v1{s, c};
  double uf0 = n0 > 0 ? f0 / n0 : 0.0, uf1 = n1 > 0 ? f1 / n1 : 0.0;
  if (n0 >= n1) {
    out.s = {n0, n1};
    out.V = {v0, v1};
    out.uf = {uf0, uf1};
  } else {
    out.s = {n1, n0};
    out.V = {v1, v0};
    out.uf = {uf1, uf0};
  }
  return out;
}

// Solves min ||J_aug p + f_aug|| subject to ||p|| <= Delta (More 1983), as scipy's
// solve_lsq_trust_region with rtol 0.01 and 10 iterations. Returns p and the new alpha.
std::pair<Vec, double> solve_lsq_trust_region(std::size_t m, const Svd& svd, double Delta,
                                              double initial_alpha) {
  const Vec& s = svd.s;
  const Vec suf{s[0] * svd.uf[0], s[1] * svd.uf[1]};
  auto V_dot = [&](const Vec& w) {
    return Vec{svd.V[0][0] * w[0] + svd.V[1][0] * w[1], svd.V[0][1] * w[0] + svd.V[1][1] * w[1]};
  };
  const bool full_rank = s[1] > kEps * static_cast<double>(m) * s[0];
  if (full_rank) {
    Vec p = V_dot({svd.uf[0] / s[0], svd.uf[1] / s[1]});
    p = {-p[0], -p[1]};
    if (norm(p) <= Delta) return {p, 0.0};
  }
  auto phi_and_derivative = [&](double alpha) {
    const Vec denom{s[0] * s[0] + alpha, s[1] * s[1] + alpha};
    const double p_norm = norm({suf[0] / denom[0], suf[1] / denom[1]});
    const double phi = p_norm - Delta;
    const double phi_prime = -(suf[0] * suf[0] / (denom[0] * denom[0] * denom[0]) +
                               suf[1] * suf[1] / (denom[1] * denom[1] * denom[1])) /
                             p_norm;
    return std::make_pair(phi, phi_prime);
  };
  double alpha_upper = norm(suf) / Delta;
  double alpha_lower = 0.0;
  if (full_rank) {
    const auto [phi, phi_prime] = phi_and_derivative(0.0);
    alpha_lower = -phi / phi_prime;
  }
  double alpha;
  if (!full_rank && initial_alpha == 0)
    alpha = std::max(0.001 * alpha_upper, std::sqrt(alpha_lower * alpha_upper));
  else
    alpha = initial_alpha;
  for (int it = 0; it < 10; ++it) {
    if (alpha < alpha_lower || alpha > alpha_upper)
      alpha = std::max(0.001 * alpha_upper, std::sqrt(alpha_lower * alpha_upper));
    const auto [phi, phi_prime] = phi_and_derivative(alpha);
    if (phi < 0) alpha_upper = alpha;
    const double ratio = phi / phi_prime;
    alpha_lower = std::max(alpha_lower, alpha - ratio);
    alpha -= (phi + Delta) * ratio / Delta;
    if (std::fabs(phi) < 0.01 * Delta) break;
  }
  Vec p = V_dot({suf[0] / (s[0] * s[0] + alpha), suf[1] / (s[1] * s[1] + alpha)});
  p = {-p[0], -p[1]};
  const double scale = Delta / norm(p);
  p = {p[0] * scale, p[1] * scale};
  return {p, alpha};
}

struct Step {
  Vec step, step_h;
  double predicted_reduction;
};

// Trust Region Reflective step selection (scipy's select_step) for bounds [0, inf).
Step select_step(const Vec& x, const Quad& q, const Vec& diag_h, const Vec& g_h, Vec p, Vec p_h,
                 const Vec& d, double Delta, double theta) {
  if (x[0] + p[0] >= 0 && x[1] + p[1] >= 0) {
    return {p, p_h, -evaluate_quadratic(q, g_h, p_h, diag_h)};
  }
  const auto [p_stride, hits] = step_size_to_bound(x, p);
  Vec r_h = p_h;
  for (int i = 0; i < 2; ++i)
    if (hits[i] != 0) r_h[i] *= -1;
  Vec r{d[0] * r_h[0], d[1] * r_h[1]};
  p = {p[0] * p_stride, p[1] * p_stride};
  p_h = {p_h[0] * p_stride, p_h[1] * p_stride};
  const Vec x_on_bound{x[0] + p[0], x[1] + p[1]};
  const double to_tr = intersect_trust_region(p_h, r_h, Delta).second;
  const double to_bound = step_size_to_bound(x_on_bound, r).first;
  double r_stride = std::min(to_bound, to_tr);
  double r_stride_l, r_stride_u;
  if (r_stride > 0) {
    r_stride_l = (1 - theta) * p_stride / r_stride;
    r_stride_u = r_stride == to_bound ? theta * to_bound : to_tr;
  } else {
    r_stride_l = 0;
    r_stride_u = -1;
  }
  double r_value = kInf;
  if (r_stride_l <= r_stride_u) {
    const auto abc = build_quadratic_1d(q, g_h, r_h, diag_h, &p_h);
    const auto [rs, rv] = minimize_quadratic_1d(abc[0], abc[1], r_stride_l, r_stride_u, abc[2]);
    r_value = rv;
    r_h = {r_h[0] * rs + p_h[0], r_h[1] * rs + p_h[1]};
    r = {r_h[0] * d[0], r_h[1] * d[1]};
  }
  p = {p[0] * theta, p[1] * theta};
  p_h = {p_h[0] * theta, p_h[1] * theta};
  const double p_value = evaluate_quadratic(q, g_h, p_h, diag_h);
  Vec ag_h{-g_h[0], -g_h[1]};
  Vec ag{d[0] * ag_h[0], d[1] * ag_h[1]};
  const double ag_to_tr = Delta / norm(ag_h);
  const double ag_to_bound = step_size_to_bound(x, ag).first;
  double ag_stride = ag_to_bound < ag_to_tr ? theta * ag_to_bound : ag_to_tr;
  const auto ab = build_quadratic_1d(q, g_h, ag_h, diag_h, nullptr);
  const auto [ags, ag_value] = minimize_quadratic_1d(ab[0], ab[1], 0, ag_stride);
  ag_stride = ags;
  ag_h = {ag_h[0] * ag_stride, ag_h[1] * ag_stride};
  ag = {ag[0] * ag_stride, ag[1] * ag_stride};
  if (p_value < r_value && p_value < ag_value) return {p, p_h, -p_value};
  if (r_value < p_value && r_value < ag_value) return {r, r_h, -r_value};
  return {ag, ag_h, -ag_value};
}

}  // namespace

TrfResult fit_beta_trf(const std::vector<double>& log_x, const std::vector<double>& log_1mx,
                       const std::vector<double>& y, double a0, double b0, int max_nfev) {
  const Model model{log_x, log_1mx, y};
  const std::size_t m = model.m();
  std::vector<double> f, f_new, J, scratch;
  Vec x{a0, b0};
  model.residuals(x, f);
  int nfev = 1;
  jacobian(model, x, f, J, scratch);
  auto cost_of = [](const std::vector<double>& r) {
    double c = 0;
    for (double v : r) c += v * v;
    return 0.5 * c;
  };
  auto gradient = [&](const std::vector<double>& jac, const std::vector<double>& res) {
    Vec g{0, 0};
    for (std::size_t i = 0; i < m; ++i) {
      g[0] += jac[i] * res[i];
      g[1] += jac[m + i] * res[i];
    }
    return g;
  };
  double cost = cost_of(f);
  Vec g = gradient(J, f);
  // Coleman-Li scaling for bounds [0, inf): v_i = x_i where g_i > 0, else 1.
  auto cl_scaling = [](const Vec& xv, const Vec& gv, Vec& v, Vec& dv) {
    for (int i = 0; i < 2; ++i) {
      v[i] = gv[i] > 0 ? xv[i] : 1.0;
      dv[i] = gv[i] > 0 ? 1.0 : 0.0;
    }
  };
  Vec v, dv;
  cl_scaling(x, g, v, dv);
  double Delta = norm({x[0] / std::sqrt(v[0]), x[1] / std::sqrt(v[1])});
  if (Delta == 0) Delta = 1.0;
  double alpha = 0.0;
  int status = -1;
  while (true) {
    cl_scaling(x, g, v, dv);
    const double g_norm = std::max(std::fabs(g[0] * v[0]), std::fabs(g[1] * v[1]));
    if (g_norm < kTol) status = 1;
    if (status != -1 || nfev == max_nfev) break;
    const Vec d{std::sqrt(v[0]), std::sqrt(v[1])};
    const Vec diag_h{g[0] * dv[0], g[1] * dv[1]};
    const Vec g_h{d[0] * g[0], d[1] * g[1]};
    const ScaledJ sj{J, d, m};
    const Quad q{sj.col_dot(0, 0), sj.col_dot(0, 1), sj.col_dot(1, 1)};
    const Svd svd = svd_augmented(J, d, {std::sqrt(diag_h[0]), std::sqrt(diag_h[1])}, f, m);
    const double theta = std::max(0.995, 1 - g_norm);
    double actual_reduction = -1;
    double cost_new = 0;
    Vec x_new = x;
    while (actual_reduction <= 0 && nfev < max_nfev) {
      const auto [p_h, new_alpha] = solve_lsq_trust_region(m, svd, Delta, alpha);
      alpha = new_alpha;
      const Vec p{d[0] * p_h[0], d[1] * p_h[1]};
      const Step st = select_step(x, q, diag_h, g_h, p, p_h, d, Delta, theta);
      x_new = {x[0] + st.step[0], x[1] + st.step[1]};
      for (double& xi : x_new)  // make_strictly_feasible(rstep=0)
        if (xi <= 0) xi = std::nextafter(0.0, 1.0);
      model.residuals(x_new, f_new);
      ++nfev;
      const double step_h_norm = norm(st.step_h);
      bool finite = true;
      for (double r : f_new) finite = finite && std::isfinite(r);
      if (!finite) {
        Delta = 0.25 * step_h_norm;
        continue;
      }
      cost_new = cost_of(f_new);
      actual_reduction = cost - cost_new;
      // update_tr_radius
      double ratio;
      if (st.predicted_reduction > 0)
        ratio = actual_reduction / st.predicted_reduction;
      else if (st.predicted_reduction == 0 && actual_reduction == 0)
        ratio = 1;
      else
        ratio = 0;
      double Delta_new = Delta;
      if (ratio < 0.25)
        Delta_new = 0.25 * step_h_norm;
      else if (ratio > 0.75 && step_h_norm > 0.95 * Delta)
        Delta_new = 2.0 * Delta;
      // check_termination
      const double step_norm = norm(st.step);
      const bool ftol_ok = actual_reduction < kTol * cost && ratio > 0.25;
      const bool xtol_ok = step_norm < kTol * (kTol + norm(x));
      if (ftol_ok || xtol_ok) {
        status = ftol_ok && xtol_ok ? 4 : (ftol_ok ? 2 : 3);
        break;
      }
      alpha *= Delta / Delta_new;
      Delta = Delta_new;
    }
    if (actual_reduction > 0) {
      x = x_new;
      f.swap(f_new);
      cost = cost_new;
      jacobian(model, x, f, J, scratch);
      g = gradient(J, f);
    }
  }
  TrfResult out;
  out.alpha = x[0];
  out.beta = x[1];
  out.nfev = nfev;
  out.status = status == -1 ? 0 : status;
  return out;
}

}  // namespace pmt::stats
