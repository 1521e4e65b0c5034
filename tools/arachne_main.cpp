// arachne: targeted mutants from Arachne's bidirectional localisation, perturbed by Gaussian
// noise or differential evolution (the USI thesis, section 4.3).
#include <cstdio>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/tools/targeted.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::CommonOptions common;
  pmt::tools::ArachneOptions o;
  pmt::cli::TargetedFlags flags;
  pmt::cli::setup_app(
      app,
      {"arachne",
       "Targeted mutants by Arachne's bidirectional localisation (thesis section 4.3). For each "
       "sound instance i, class C of --classes and cluster C_k of C (clusters.npy of `cluster`), "
       "with I_neg = the inputs of C_k that instance i classifies correctly and I_pos = those of "
       "C's other clusters: per kernel weight of --layer (default: every dense/conv layer but the "
       "output one), the gradient loss GL = |sum dL/dw| and the forward impact FI (the weight's "
       "share of its neuron's input times the normalised gradient of the summed logits on the "
       "layer's output) on I_neg and on I_pos; the localised weights are the first Pareto front "
       "of GL_neg / (1 + GL_pos) and FI_neg / (1 + FI_pos). --method gn adds N(0, --sigma) to "
       "each (the thesis' Algorithm 3); --method de searches their values by differential "
       "evolution (DE/rand/1/bin, F ~ U(0.5, 1) per generation, CR 0.7; initial genes from "
       "their layer's mean and sd; clipped to the thesis' eq. 4.14 bounds unless --no-clip) "
       "maximising the thesis' fitness: over I_pos 1 when right else 1 / (1 + loss), over I_neg "
       "1 when WRONG else the loss. Mutant i is saved as trained_models/<model>/"
       "arachne_c<C>_k<k>_<gn|de>_<layerN|all>/instance_<i>.pt with its sidecar (the localised "
       "weights, the DE history, the evaluation); printed: the same tables as tmr (the thesis' "
       "Tables 5.10-5.12 form). The thesis found that these mutants do not misbehave on the "
       "cluster alone; see docs/targeted.md for what pmt measures.",
       "  arachne --model mnist --classes 0 --cluster 1 --instances 0-4 --method gn --layer 5\n"
       "  arachne --model mnist --classes 0 --cluster 1 --instances 0 --method de --layer 5 "
       "--population 20 --generations 10 --max-inputs 200",
       "J. Sohn, S. Kang, S. Yoo. Arachne: search-based repair of deep neural networks. TOSEM "
       "32(4) "
       "(2023); F. Casari, Post-Training Mutation Tool for Deep Learning Systems, master's "
       "thesis, USI Lugano, 2024."},
      common, pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kJson);
  pmt::cli::add_targeted_flags(app, o, flags);
  app.add_option("--method", o.method, "gn (Gaussian noise) or de (differential evolution)")
      ->check(CLI::IsMember({"gn", "de"}))
      ->capture_default_str();
  app.add_option("--layer", o.target_layer,
                 "The layer whose kernel is localised (index in the subject's layers; -1: every "
                 "dense/conv layer but the output one)")
      ->capture_default_str();
  app.add_option("--sigma", o.sigma, "gn: the noise's standard deviation")->capture_default_str();
  app.add_option("--population", o.population, "de: population size")
      ->check(pmt::cli::positive())
      ->capture_default_str();
  app.add_option("--generations", o.generations, "de: at most this many generations")
      ->check(pmt::cli::positive())
      ->capture_default_str();
  app.add_option("--patience", o.patience,
                 "de: stop after this many generations without a "
                 "better best fitness")
      ->check(pmt::cli::positive())
      ->capture_default_str();
  app.add_option("--max-inputs", o.max_inputs,
                 "de: at most this many inputs of I_neg and of I_pos in the fitness (a seeded "
                 "sample; 0: all)")
      ->check(pmt::cli::non_negative())
      ->capture_default_str();
  bool no_clip = false;
  app.add_flag("--no-clip", no_clip,
               "de: no clipping of the genes to eq. 4.14's bounds (the parameter gains _noclip)");
  return pmt::cli::run_main(app, argc, argv, common, [&] {
    o.data_root = common.data_root;
    o.seed = common.seed;
    o.clip = !no_clip;
    pmt::cli::finish_targeted_flags(o, flags);
    pmt::install_interrupt_handlers();
    const auto s = pmt::tools::run_arachne(o);
    if (common.json) {
      std::printf("%s\n", s.to_json().dump().c_str());
      return;
    }
    std::fputs(s.report().c_str(), stdout);
    std::printf("arachne: %d mutant(s) made, %d found done, %d job(s) x %d thread(s), %.1f s\n",
                s.made, s.skipped, s.jobs, s.threads, s.seconds);
  });
}
