// Least-squares fit of a Beta pdf to tabulated values, reproducing the replication package's
// scipy.optimize.curve_fit(beta_func, x, y, p0, method='trf', bounds=[0, inf), maxfev=2000):
// the Trust Region Reflective algorithm (Branch, Coleman & Li, SIAM J. Sci. Comput. 21(1), 1999)
// for two parameters, with the same forward-difference Jacobian (step sqrt(eps) max(1, |x|)),
// Coleman-Li scaling, exact trust-region subproblem (More's algorithm on the SVD), reflective
// step selection and termination tests (ftol = xtol = gtol = 1e-8). The reference stops there,
// 1e-7 or so from the true optimum; reproducing its path, not just its optimum, is what makes
// the jackknife's Monte-Carlo errors agree with it to 1e-6.
#pragma once

#include <vector>

namespace pmt::stats {

struct TrfResult {
  double alpha = 0, beta = 0;
  int nfev = 0;
  int status = 0;  // scipy's: 0 max_nfev reached, 1 gtol, 2 ftol, 3 xtol, 4 ftol and xtol
};

// Fits pdf(x; a, b) = x^(a-1) (1-x)^(b-1) / B(a, b) to y on the grid given by log x and log(1-x),
// starting at (a0, b0), with a, b in [0, inf).
TrfResult fit_beta_trf(const std::vector<double>& log_x, const std::vector<double>& log_1mx,
                       const std::vector<double>& y, double a0, double b0, int max_nfev = 2000);

}  // namespace pmt::stats
