// Targeted post-training mutants (the 2024 USI master's thesis on targeted mutation,
// with DeepCrime's authors, sections 4.3-4.5 and 5.5-5.7): mutants of the trained sound
// instances that misbehave on ONE cluster of one class's inputs (as a model trained on poor data
// for that group would), made from the clusters that `cluster` writes.
//
// For every sound instance i, class C and cluster C_k of C (clusters.npy of `cluster`, over the
// training split by default):
//   I_neg = the inputs of C_k that instance i classifies correctly,
//   I_pos = those of C's other clusters (noise excluded) that it classifies correctly;
// the method (tmr: Targeted Misbehavior Retraining, Algorithm 5; arachne: the weights that
// Arachne's bidirectional localisation finds, perturbed) makes mutant i, saved where gen_acc
// finds it (trained_models/<model>/<op>_c<C>_k<k>_<how>/instance_<i>.pt + sidecar), so that
// gen_acc, ratio --same and mutation_test --same run on it. Then, over the instances, for each
// set the accuracies of the originals against their mutants (thesis 4.5, 5.6): I_neg, I_pos,
// the training split without class C, the test split without C, the test inputs of C, the whole
// test split, and a weak test set when given (thesis 5.7); each with the Wilcoxon signed-rank
// test (scipy's, paired) and Cohen's d (signed: original - mutant); "stat diff" when p < 0.05 and
// d >= 0.5 (DeepCrime's stats.is_diff_sts, which the thesis used).
//
// This header: the methods' settings, the comparison of one set, the clusters reader and
// Arachne's Pareto front; no LibTorch (the methods themselves: method.hpp; the tools:
// tools/targeted.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pmt::targeted {

// TMR (thesis 4.4, Algorithm 5): `epochs` epochs on I_neg relabelled to each input's second most
// probable label (the sound instance's), then `keep_epochs` on I_pos with the true labels; the
// subject's optimiser (fresh state), batch size and loss.
// batch_size / learning_rate > 0 replace the subject's for the retraining (the thesis does not
// state them; its Keras code would continue with the saved optimiser state, which pmt's sound
// instances do not keep); they enter the parameter as _b<N> / _lr<X>. rehearse > 0 (pmt's
// variant, _r<N>): both retrainings also see that many inputs of the split's other classes, true
// labels, drawn once per mutant from its seed; with fresh_rehearsal (_rf<N>) every epoch sees
// `rehearse` other inputs of its own, the draws going through the other classes; with distill
// (_r<N>d, _rf<N>d) the rehearsal inputs' targets are the sound instance's class probabilities.
// freeze > 0 (_fz<N>): the layers before layer N keep the sound instance's weights.
struct TmrSettings {
  int epochs = 2;
  int keep_epochs = 1;
  int rehearse = 0;
  bool fresh_rehearsal = false;
  int batch_size = 0;
  double learning_rate = 0;
  int freeze = 0;
  bool distill = false;
};

// Arachne (thesis 4.3): bidirectional localisation on the kernel of `layer` (or every dense/conv
// layer but the output one when layer is -1): per weight, gradient loss GL = |sum dL/dw| and
// forward impact FI on I_neg and I_pos, costs GL_neg / (1 + GL_pos) and FI_neg / (1 + FI_pos),
// the first Pareto front of both; then either Gaussian noise w += N(0, sigma) on the localised
// weights ("gn") or differential evolution ("de", DE/rand/1/bin, F ~ U(0.5, 1) per generation,
// CR 0.7) maximising the thesis' fitness (score_pos = 1 when right, else 1 / (1 + loss);
// score_neg = 1 when WRONG, else the loss), genes clipped to the layer's bounds (eq. 4.14).
struct ArachneSettings {
  std::string method = "gn";  // gn | de
  int target_layer = -1;      // -1: all dense/conv layers but the output one
  double sigma = 1.0;         // gn: the noise's standard deviation (the thesis: 1)
  int population = 100;       // de
  int generations = 25;       // de (the thesis: 25, early stop after 10 without improvement)
  int patience = 10;
  bool clip = true;    // de: genes clipped to eq. 4.14's bounds (min*2 or /2, max*2 or /2)
  int max_inputs = 0;  // de: I_neg and I_pos subsampled to at most this many each (0: all)
};

// One set's accuracies over the instances, original vs mutant.
struct SetComparison {
  std::string set;  // i_neg, i_pos, train_other, test_other, test_class, test, weak_test
  std::vector<double> original, mutant;  // per instance, in instance order
  double mean_original = 0, mean_mutant = 0;
  double p_value = 1, cohen_d = 0;  // Wilcoxon signed-rank (paired), signed d
  bool different = false;           // p < 0.05 and d >= 0.5
  nlohmann::json to_json() const;
};

// One set's comparison: the means, the Wilcoxon signed-rank p-value (paired, as scipy's
// wilcoxon(original, mutant)), Cohen's d (signed, pooled sd ddof 1; DeepCrime's), and different
// when p < 0.05 and d >= 0.5. With fewer than 2 instances p and d are NaN, not different.
SetComparison compare_sets(std::string set, std::vector<double> original,
                           std::vector<double> mutant);

// The clusters of `cluster` for a split of `n` inputs: per input its cluster within its class
// (-1 noise, -2 not clustered). Throws pmt::Error (data) naming the file: unreadable, not one
// value per input of the split, a value that is not an integer >= -2.
std::vector<int> read_clusters(const std::string& file, std::int64_t n);

// The first Pareto front of the points (a[k], b[k]), both maximised: Arachne's run_localise.py
// loop (a point stays while some coordinate of it beats the current point's); indices ascending.
std::vector<std::int64_t> pareto_front(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace pmt::targeted
