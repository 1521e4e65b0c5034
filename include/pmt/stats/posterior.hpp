// The bagged posterior of a kill probability and the distances built on it (Tambon et al., IST,
// Sections 3-4; the replication package's utils.py; DESIGN.md "The mathematics").
//
// Each bootstrap kill rate p_b (of N trials) gives the posterior Beta(p_b N + 1, N - p_b N + 1).
// Bayesian bagging: average their pdfs on the grid x = 1e-8, 1e-8 + h, ... < 1 (numpy's arange),
// then fit Beta(alpha, beta) to the averaged pdf by least squares on the pdf values, started at
// the mean alpha and mean beta (the reference: scipy curve_fit, bounded trust region). Reported:
// mean, variance and the 95% credible interval mean +- 1.96 sd clipped to [0, 1] (or the HDI).
//
// Hellinger distance between Beta(a1,b1) and Beta(a2,b2), in log space:
//   H = sqrt(clip(1 - B((a1+a2)/2, (b1+b2)/2) / sqrt(B(a1,b1) B(a2,b2)), 0, 1)).
// Ideal sound posterior Beta(1, N+1), ideal mutant Beta(N+1, 1); ratio = H(., sound) /
// H(., mutant), killed when ratio > 1 (inf when the posterior IS the ideal mutant).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace pmt::stats {

struct BetaFit {
  double alpha = 0;
  double beta = 0;
  int evaluations = 0;  // model evaluations of the fit (scipy's nfev)
  bool converged = false;
  double mean() const;
  double variance() const;
  // mean +- 1.96 sd clipped to [0, 1] (the reference's "mean" interval).
  std::pair<double, double> ci95() const;
  // Highest-density 95% interval (the reference's "mode" option).
  std::pair<double, double> hdi95() const;
};

double beta_pdf(double x, double a, double b);
double log_beta(double a, double b);
double hellinger(double a1, double b1, double a2, double b2);

struct Distances {
  double to_sound;   // H(posterior, Beta(1, N+1))
  double to_mutant;  // H(posterior, Beta(N+1, 1))
  double ratio;      // to_sound / to_mutant (inf when to_mutant is 0)
  bool killed() const { return ratio > 1.0; }
};
Distances ideal_distances(const BetaFit& fit, int N);

// Fits bagged posteriors for kill rates of N trials on the grid of step h (0.001 for posterior
// and ratio, 0.01 inside the jackknife, as the reference). Tabulates the Beta pdf of every
// possible count 0..N once, so a fit costs a weighted sum plus a few trust-region steps (trf.hpp).
class PosteriorFitter {
 public:
  PosteriorFitter(int N, double h);
  const std::vector<double>& grid() const { return x_; }
  int N() const { return N_; }
  // The averaged pdf on the grid.
  std::vector<double> bagged_pdf(const double* rates, std::size_t B) const;
  BetaFit fit(const double* rates, std::size_t B) const;
  BetaFit fit(const std::vector<double>& rates) const { return fit(rates.data(), rates.size()); }

 private:
  int N_;
  std::vector<double> x_, log_x_, log_1mx_;
  std::vector<std::vector<double>> table_;  // pdf of Beta(c+1, N-c+1) on the grid, c = 0..N
};

// numpy.quantile with linear interpolation (numpy's default); q in [0, 1].
double quantile(std::vector<double> values, double q);

}  // namespace pmt::stats
