// Every executable's help: its purpose, examples and the papers it implements (about.hpp).
#include "pmt/cli/about.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

#include "pmt/model/subject.hpp"
#include "pmt/mutate/registry.hpp"

namespace pmt::cli {

namespace {

// The papers, each written once.
constexpr const char* kDeepCrime =
    "N. Humbatova, G. Jahangirova, P. Tonella. DeepCrime: Mutation Testing of Deep Learning "
    "Systems Based on Real Faults. ISSTA 2021";
constexpr const char* kPmt =
    "F. Tambon, F. Khomh, G. Antoniol. A Probabilistic Framework for Mutation Testing in Deep "
    "Neural Networks. Information and Software Technology 155 (2023). Replication package: "
    "FlowSs/PMT";
constexpr const char* kDeepMutationPP =
    "Q. Hu, L. Ma, X. Xie, B. Yu, Y. Liu, J. Zhao. DeepMutation++: a Mutation Testing Framework "
    "for Deep Learning Systems. ASE 2019";
constexpr const char* kThesis =
    "F. Casari. Post-Training Mutation Tool for Deep Learning Systems. Master's thesis, USI "
    "Lugano, January 2024, supervised by P. Tonella, N. Humbatova and G. Jahangirova";
constexpr const char* kArachne =
    "J. Sohn, S. Kang, S. Yoo. Arachne: Search-Based Repair of Deep Neural Networks. TOSEM 32(4) "
    "(2023)";
constexpr const char* kHdbscan =
    "R. Campello, D. Moulavi, J. Sander. Density-Based Clustering Based on Hierarchical Density "
    "Estimates. PAKDD 2013 (HDBSCAN)";
constexpr const char* kDbcv =
    "D. Moulavi, P. Jaskowiak, R. Campello, A. Zimek, J. Sander. Density-Based Clustering "
    "Validation. SDM 2014 (DBCV)";
constexpr const char* kUmap =
    "L. McInnes, J. Healy, J. Melville. UMAP: Uniform Manifold Approximation and Projection for "
    "Dimension Reduction. arXiv:1802.03426";
constexpr const char* kVae = "D. Kingma, M. Welling. Auto-Encoding Variational Bayes. ICLR 2014";
constexpr const char* kOnnx =
    "ONNX: Open Neural Network Exchange, the operator specification (onnx/onnx docs/Operators.md)";
constexpr const char* kKeras =
    "F. Chollet et al. Keras (keras-team/keras and tf-keras: the model formats' source, "
    "saving_lib.py, legacy_h5_format.py, hdf5_format.py)";

// One line per paper, with what of it the tool follows in parentheses.
std::string cite(std::initializer_list<std::pair<const char*, const char*>> papers) {
  std::string out;
  for (const auto& [paper, what] : papers) {
    if (!out.empty()) out += "\n";
    out += paper;
    if (*what != '\0') out += std::string(" (") + what + ")";
    out += ".";
  }
  return out;
}

std::vector<ToolInfo> all_tools() {
  return {
      {"mutation_test",
       "Decides whether the mutants of one mutation operator are killed, with DeepCrime's test: a "
       "GLM (Gaussian, Acc ~ Mod) p-value, rounded to 3 decimals as the reference reads it, below "
       "0.05 and Cohen's d >= 0.5. With --dc: one test per parameter on DeepCrime's 20 instances "
       "(raw_data/deepcrime_comp/). Without: the repeated protocol of the probabilistic "
       "framework, --runs runs each splitting the instances into disjoint halves and running "
       "--trials tests of k vs k; prints the mean (std) kill rate. Zero pooled variance: equal "
       "means give p = 1, d = 0 (not killed); different means p = 0, d = inf (killed). --dc tests "
       "every usable instance (missing cells dropped, at least 2 per side). --test wilcoxon "
       "replaces the GLM by scipy 1.10's Mann-Whitney U (signed-rank with --same), its p compared "
       "unrounded.",
       "  mutation_test --model mnist --mut change_label --dc\n"
       "  mutation_test --model mnist --mut delete_training_data --json",
       cite({{kDeepCrime, ""}, {kPmt, ""}})},
      {"posterior",
       "Bootstrap kill rates (B bootstraps of N mutation tests of k vs k) of the sound instances "
       "and of every parameter of a mutation, their bagged Beta posterior (each rate p gives "
       "Beta(pN+1, N-pN+1); the pdfs are averaged on a grid of step 0.001 and a Beta is fitted by "
       "least squares, as scipy's trust-region curve_fit), and its mean and 95% credible "
       "interval (mean +- 1.96 sd clipped to [0, 1], or --hdi). Kill rates are cached where the "
       "reference caches them (<model>_orig.npy or _orig_same.npy at the data root, "
       "plot_results/<model>/<model>_<mut>_param/list_mut.npy) and read from there when present. "
       "Figure: plot_results/<model>/<model>_<mut>.png with its .dat and .gp beside it.",
       "  posterior --model mnist --mut delete_training_data\n"
       "  posterior --model mnist --mut neurons_freezing --same --json",
       cite({{kPmt, ""}})},
      {"ratio",
       "For the sound instances and every parameter of a mutation: the Hellinger distances of "
       "the bagged posterior (see posterior) to the ideal sound posterior Beta(1, N+1) and to the "
       "ideal mutant posterior Beta(N+1, 1), their ratio, and the verdict (killed when the ratio "
       "exceeds 1; inf when the posterior is the ideal mutant). Printed as the reference prints "
       "them, plus a verdict line with its Monte-Carlo uncertainty: the bootstrap is repeated "
       "--mc-reps times with independent streams (needs the raw accuracies) and the verdict is "
       "firm when all repetitions agree, borderline otherwise. Uses and writes the same kill-rate "
       "caches as posterior.",
       "  ratio --model mnist --mut change_label\n"
       "  ratio --model mnist --mut weights_fuzzing --same --json\n"
       "  ratio --model mnist --mut change_label --budget --proc 2",
       cite({{kPmt, ""}})},
      {"mce",
       "Monte-Carlo error of the posterior estimate. Writes rep_mce/<model>/<model>_<mut>_<param>"
       "_200_pop_size.npy (R repetitions x B bootstrap kill rates, from the 200-instance raw "
       "accuracies) when missing, then fits each repetition's bagged posterior (grid step 0.01) "
       "and prints the jackknife estimate of the posterior mean and variance with 95% intervals "
       "value +- 1.96 MCE. The leave-one-out values divide by R, as the reference (--textbook: "
       "by R - 1). --mut original studies the sound instances. Memory: the R x B kill rates "
       "(8 R B bytes, 80 KB at the defaults; twice that while the file is written) and the "
       "posterior table, "
       "800 (N + 1) bytes for N trials, whatever --sample-size (docs/reliability.md). The array is "
       "written atomically once complete: a killed run leaves no partial file and a rerun "
       "recomputes the same bits from --seed; SIGINT/SIGTERM stop between repetitions (exit "
       "130/143).",
       "  mce --model mnist --mut change_label --param 18.75\n"
       "  mce --model mnist --mut original --json",
       cite({{kPmt, ""}})},
      {"practicality",
       "How many instances does the probabilistic framework need? For each population size "
       "25, 50, ..., 175, 190: --n-pop random sub-populations of that many sound and mutated "
       "instances, each with --reps repetitions of the bootstrap, written to rep_practicality/"
       "<model>/<model>_<mut>_<param>_30_rep_<size>_size_pop.npy when missing (--size S: only "
       "that size). Then each sub-population's jackknife estimate (posterior mean and variance, "
       "-+ 1.96 MCE), summarised by median and 2.5%/97.5% quantiles over sub-populations into "
       "data_plot/l_std_<model>_<mut>_<param>.npy (8 x 3 x 2 x 3) and the figure "
       "plot_results/<model>/std/<model>_<mut>_<param>_std.png. --pop_size S prints the "
       "reference's block for one size. Memory: one size's array at a time, 8 n-pop R B bytes "
       "(2.4 MB at the defaults; twice that while it is written or read back) and the posterior "
       "table, 800 (N + 1) bytes for N trials, whatever the number of sizes and --sample-size "
       "(docs/reliability.md). Each size's array is written atomically once complete: a rerun "
       "resumes at the first size not on disk, with the same bits as an uninterrupted run; "
       "SIGINT/SIGTERM stop between repetitions (exit 130/143).",
       "  practicality --model mnist --mut change_label --param 3.12\n"
       "  practicality --model mnist --mut change_label --param 3.12 --pop_size 25",
       cite({{kPmt, ""}})},
      {"mutation_score",
       "DeepCrime's mutation score of a test set (mutation_score.py, calculate_dc_ms) from "
       "mutation_search's <mut>.json results: the training set's search says which mutants are "
       "killable, the test set's search which of those the test set kills. A configuration "
       "kills when it is killed and stable (power >= 0.8, recomputed from Cohen's d: t-test "
       "power at d, or --deepcrime-power). Binary operators: killable magnitudes train_kc, "
       "test_kc (the least aggressive stable kill on each set); score 1 if equal, 0 if the test "
       "set kills none, else round((upper - test_kc) / (upper - train_kc), 2) capped at 1. "
       "Exhaustive operators: |killed on train and on test| / |killed on train|. Operators "
       "killed on the training set by no stable configuration are excluded; the mutation score "
       "is the mean over the others. Results: --test-results DIR and --train-results DIR, or "
       "with --model M: <data-root>/search/M/ for both, and <data-root>/search/M/<NAME>/ for "
       "the test set named NAME by mutation_search --test-set-name.",
       "  mutation_score --model mnist\n"
       "  mutation_score --model mnist --test-set-name weak --json\n"
       "  mutation_score --train-results run1/search/mnist --test-results run2/search/mnist",
       cite({{kDeepCrime, "section 5, mutation_score.py"}})},
      {"cluster",
       "Clusters each class's inputs of a subject's split as the USI thesis on targeted "
       "post-training mutants does (section 4.2): every combination of thresholding (off, or "
       "the features whose mean is below 7.8% of the maximum removed), scaling (none, max, "
       "normalization, standard, minmax), reduction (none; pca on the whole split; umap on each "
       "class's inputs, umap-learn's algorithm; --embedding: precomputed features such as the "
       "embed tool's VAE latent codes, one preprocessing each, never thresholded) "
       "and clustering (k-means, agglomerative ward/complete/average, Gaussian mixtures "
       "full/tied/diag/spherical with 2 to 5 clusters; HDBSCAN with minimum cluster sizes 10 to "
       "200), scored by the silhouette (DBCV for HDBSCAN), filtered (one cluster or only noise; "
       "largest cluster > 80% with smallest < 5%), ranked across classes (3, 2, 1 points for a "
       "class's three best) with each class's loss. Writes clusters.npy and clusters.csv (each "
       "input's cluster within its class, by the best combination of --metric's group), "
       "report.json, report.txt and a figure per class (its inputs on two principal components "
       "by cluster, and for images the 8 inputs nearest each cluster's mean) under --out (default "
       "<data-root>/clusters/<model>/). Progress on stderr.",
       "  cluster --model mnist_mlp --classes 0,5,7 --limit 800\n"
       "  cluster --model mnist --metric dbcv --scalings standard,minmax --json\n"
       "  cluster --model mnist --classes 0,5,7 --reductions pca,umap --embedding "
       "embeddings/mnist/vae_max.npy",
       cite({{kThesis, "section 4.2"}, {kHdbscan, ""}, {kDbcv, ""}, {kUmap, ""}})},
      {"train_mutants",
       "Trains independent instances of a subject (the sound program, --mut original) or of a "
       "mutant made by one of DeepCrime's 24 pre-training operators, each with "
       "its own seed derived from --seed and its index. Saves "
       "trained_models/<model>/<mut>[_<param>]"
       "/instance_<i>.pt with a JSON sidecar (seed, per-epoch loss and accuracy, wall time). "
       "Existing instances are skipped, so a rerun resumes; writes are atomic. Progress (instance, "
       "epoch, loss, ETA) on stderr; a summary on stdout.\nMutations: " +
           pmt::model::join_names(pmt::mutate::operator_names(pmt::mutate::Stage::kPreTraining)) +
           ". A layer operator runs on each of its default layers in turn, one configuration "
           "each (<value>_layer<N>; the layers DeepCrime runs: the subject's mutation_layers, "
           "else every layer it applies to); --layer N picks one. --list-mutations [--model M] "
           "shows each operator's parameter, search space and whether (and on which layers) it "
           "applies to M; an operator that does not apply is a usage error saying why. It also "
           "lists the post-training operators, whose mutants "
           "mutate_model makes from trained sound instances. --until firm trains the sound "
           "subject and the mutant in rounds until ratio's verdict is firm: a verdict with as few "
           "instances as it needs.",
       "  scripts/get_data.sh\n"
       "  train_mutants --model mnist --mut original --instances 0-19\n"
       "  train_mutants --model mnist --mut delete_training_data --param 30.93 --instances 0-19\n"
       "  train_mutants --model mnist --mut change_activation_function --param elu\n"
       "  train_mutants --list-mutations --model mnist\n"
       "  train_mutants --model mnist --mut change_label --param 3.12 --until firm --cap 200\n"
       "  train_mutants --subject my_model.json --mut change_epochs --param 3 --jobs 2 --threads 1",
       cite({{kDeepCrime, ""}, {kPmt, "--until firm"}})},
      {"gen_acc",
       "Evaluates every instance saved by train_mutants for one configuration on the test set "
       "(the subject's test split, or --test-set) and writes raw_data/<model>/results_<model>_"
       "<mut>_mutated0_MP_<param>.csv (results_<model>_original.csv for --mut original): a "
       "';'-separated header true_label;pred_label_model_0;..., one row per test input (true "
       "label, each instance's prediction) and a last row of accuracies, so that mutation_test, "
       "posterior, ratio, mce and practicality read it unchanged. A missing instance index "
       "(between 0 and the largest one) is an empty cell. Instances are those of train_mutants "
       "and mutate_model or, with --torchscript, TorchScript modules saved from PyTorch "
       "(torch.jit.save) and evaluated on --test-set (IDX or NPY): the predicted class is the "
       "argmax of the model's output, which must have one score per class.",
       "  gen_acc --model mnist --mut original\n"
       "  gen_acc --model mnist --mut delete_training_data --param 30.93\n"
       "  gen_acc --model mnist --mut original --test-set weak/t10k-images-idx3-ubyte.gz\n"
       "  gen_acc --torchscript --model mine --mut original --test-set t10k-images-idx3-ubyte.gz",
       cite({{kDeepCrime, "generate_acc_files"}})},
      {"import_model",
       "Turns a Keras or ONNX model file into a pmt subject spec that every tool takes: an HDF5 "
       "file of model.save (Keras 2.x, or Keras 3's legacy .h5), a Keras 3 .keras zip, the JSON "
       "text of model.to_json(), or an ONNX model as torch.onnx.export writes it (opsets 7-21, "
       "weights inline or in an external data file). Sequential and Functional models, nested "
       "models flattened in place; each Keras layer or ONNX op maps onto a spec layer "
       "(docs/import.md has the tables) and Keras' training config (loss, optimiser and its "
       "hyperparameters) onto the spec's training section. "
       "Writes the spec (-o, default <name>.json) and prints what maps to what, the parameter "
       "count and anything not modelled exactly. --weights also stores the file's weights as "
       "sound instance 0 (trained_models/<name>/original/instance_0.pt with its sidecar), which "
       "gen_acc evaluates and mutate_model mutates. A Lambda layer or a custom class (Python "
       "code) is refused with its name and a suggestion: --substitute NAME=JSON gives the pmt "
       "layer that stands for it. Unsupported layers, ops or options exit 2 (naming the layer or "
       "the ONNX node), malformed files 1; "
       "nothing is written then.",
       "  import_model model.h5 --weights\n"
       "  import_model resnet18.onnx --weights --name resnet --dataset imagenet_subset\n"
       "  import_model model.keras --name digits --dataset mnist_npy -o digits.json\n"
       "  import_model steering.h5 --substitute 'lambda_1={\"type\": \"rescaling\", "
       "\"scale\": 0.00784313725490196, \"offset\": -1}'\n"
       "  gen_acc --subject digits.json --mut original",
       cite({{kKeras, ""}, {kOnnx, ""}})},
      {"weak_test_set",
       "Builds a weak test set, DeepCrime's \"test inputs a sound instance classifies with "
       "maximal confidence\" (its construction script is not public; this is pmt's reading): "
       "sound instance --instance (trained by train_mutants) predicts the subject's test split; "
       "of the inputs it classifies right, the --fraction of the test split with the highest "
       "softmax confidence are kept (all right ones if fewer), in the test split's order, and "
       "written as IDX files: --out (images; its name must contain 'images-idx3') and the "
       "labels beside it ('labels-idx1'). Use them with gen_acc or mutation_search --test-set. "
       "DeepCrime's mnist_weak.h5 holds 4813 of mnist's 10,000 test inputs. Classification "
       "subjects on IDX data only.",
       "  weak_test_set --model mnist --out weak/weak-images-idx3-ubyte\n"
       "  mutation_search --model mnist --mut delete_training_data --test-set "
       "weak/weak-images-idx3-ubyte --test-set-name weak",
       cite({{kDeepCrime, "section 5.4, weak test set"}})},
      {"mutate_model",
       "Makes post-training (model-level) mutants without retraining: mutant i from sound "
       "instance i (trained_models/<model>/original/instance_<i>.pt, from train_mutants or, with "
       "--torchscript, saved from PyTorch), saved as trained_models/<model>/<mut>_<param>/"
       "instance_<i>.pt with a JSON sidecar (operator, parameters, seed, draws, discarded draws, "
       "which weights changed), so that gen_acc and the analysis tools (with --same: mutant i "
       "paired with sound instance i) read them. Operators: " +
           pmt::model::join_names(pmt::mutate::operator_names(pmt::mutate::Stage::kPostTraining)) +
           ".\nneurons_freezing R (PMT): int(R x units) units of one layer (at least 1) get "
           "a zero kernel slice and bias; weights_fuzzing R_M (PMT): int(R x size) entries of the "
           "layer's kernel get w + N(0,1) x M x |w|; both target the first weight layer unless "
           "--layer, as the PMT package does, and are not filtered. DeepMutation++'s operators "
           "act on all weight layers (dense, convolutional, recurrent: a unit's gate columns) "
           "together with a budget of int(R x total) kernel "
           "weights (gaussian_fuzzing R[_S]: w x (1 + N(0, S)), S = 0.5, touched kernels clipped "
           "to [-1, 1]) or neurons (weights_shuffling, neuron_effect_block, "
           "neuron_activation_inverse, neuron_switch), at least 1; layer_deactivation, "
           "layer_addition and activation_removal take a layer index as parameter (the first that "
           "fits by default; pmt subjects only). DeepMutation++'s filter: a draw whose test "
           "accuracy is below --filter-factor x the sound instance's is discarded and redrawn, up "
           "to --max-draws draws (an instance without an accepted draw is reported and the run "
           "exits 1). Each draw is seeded from --seed, the operator and parameter, the instance "
           "and the draw: the same mutants whatever --jobs. Existing mutants are skipped (a rerun "
           "resumes); writes are atomic. --list-mutations (train_mutants) shows the registry.",
       "  mutate_model --model mnist --mut neurons_freezing --param 0.1\n"
       "  mutate_model --model mnist --mut weights_fuzzing --param 0.05_1 --instances 0-19\n"
       "  mutate_model --model mnist_mlp --mut gaussian_fuzzing --param 0.05 --filter-factor 0.9\n"
       "  mutate_model --model mnist_mlp --list-layers\n"
       "  mutate_model --torchscript --model mine --mut neuron_effect_block --param 0.01 "
       "--test-set t10k-images-idx3-ubyte.gz",
       cite({{kPmt, "operators/weights_operators.py"},
             {kDeepMutationPP, "cnn_mutation/src/cnn_operator.py"}})},
      {"mutation_search",
       "Searches the killable magnitude of a mutation operator as DeepCrime does "
       "(execute_mutants.py, current version). Binary search (numeric operators; bounds, "
       "precision and rounding from the operator registry and the subject's mutation_search "
       "overrides, see train_mutants --list-mutations --model M): the most aggressive value "
       "first; not killed -> stop (not killable); else bisect between the last value not killed "
       "and the last killed one, middle = round((upper + lower) / 2, decimals) as Python rounds "
       "(percentages 2 decimals, integers 0, learning rate 3-5), each middle compared with the "
       "ORIGINAL instances, until |upper - lower| <= precision; the result is the smallest "
       "killable value. Exhaustive search (categorical operators): every value; operators "
       "without a search (DeepCrime's nosearch: remove_bias, disable_batching...) their one "
       "value; a layer operator each value on each of its default layers (<value>_layer<N>, "
       "--layer N for one), all in one result, as DeepCrime pools an operator's layers. Each "
       "configuration's --instances instances are trained (resumable: a rerun skips saved "
       "instances) and evaluated on the test split and/or the training split (accuracy files "
       "under <data-root>/raw_data and <data-root>/train_set/raw_data). Killed: GLM p (rounded "
       "to 3 decimals) < 0.05 and Cohen's d >= 0.5; power: two-sided t-test power at d "
       "(statsmodels' TTestIndPower). Writes <data-root>/search/<model>/<mut>_<test|train>.csv, "
       "DeepCrime's rows without a header: binary [lower,upper,middle,p,d,killed,power] ('' "
       "middle on the first row) then [killable,not_killed] when killable; exhaustive "
       "[value,p,d,killed,power]; and <mut>.json (<mut>_layer<N> with --layer N). Parameters are "
       "written as the shortest "
       "decimal that reads back as the value (50, 3.12), the same strings as the "
       "instances' folders. Progress and ETA on stderr.",
       "  mutation_search --model mnist --mut delete_training_data\n"
       "  mutation_search --model mnist --mut change_activation_function --set test --json\n"
       "  mutation_search --subject my.json --model tiny --mut change_epochs --instances 4\n"
       "  mutation_search --model mnist --mut delete_training_data --test-set "
       "weak-images-idx3-ubyte "
       "--test-set-name weak",
       cite({{kDeepCrime, "section 4, utils/execute_mutants.py"}})},
      {"embed",
       "Trains the convolutional variational autoencoder of the USI thesis on targeted "
       "post-training mutants (section 5.1.2, Table 5.1: two convolutions, 300 hidden units, a "
       "10-dimensional latent space, three transposed convolutions; 1 x 28 x 28 images) with "
       "LibTorch on a subject's split, scaled as cluster scales it (--scaling), either one VAE "
       "on all classes (--per all: reduction \"vae\") or one per class (--per class: \"vae_s\", "
       "the thesis' \"VAE single class\"), and writes each input's latent mean as "
       "<out>/<vae|vae_s>_<scaling>.npy (float64, one row per input of the split, in its order) "
       "with a sidecar .json (the reduction's name, the scaling, the options, every epoch's mean "
       "loss per input). Give the .npy to cluster --embedding. Not stated by the thesis, pmt's "
       "choices: ReLU hidden activations (none on the one-channel conv4), binary cross-entropy on "
       "a sigmoid output for inputs "
       "in [0, 1] (else squared error), plus the KL divergence; Adam. A rerun with the same "
       "options keeps the existing files. Progress on stderr.",
       "  embed --model mnist --scaling max\n"
       "  embed --model mnist --per class --epochs 100\n"
       "  cluster --model mnist --classes 0,5,7 --embedding embeddings/mnist/vae_max.npy",
       cite({{kThesis, "section 5.1.2"}, {kVae, ""}})},
      {"tmr",
       "Targeted Misbehavior Retraining (thesis section 4.4, Algorithm 5). For each sound "
       "instance i (trained_models/<model>/original/), each class C of --classes and each of its "
       "clusters C_k (clusters.npy of `cluster`): I_neg = the inputs of C_k that instance i "
       "classifies correctly, I_pos = those of C's other clusters (noise excluded); the mutant "
       "is instance i retrained --epochs epochs on I_neg relabelled to each input's second most "
       "probable label (instance i's), then --keep-epochs epoch(s) on I_pos with the true "
       "labels, with the subject's optimiser (fresh state), batch size and loss. Mutant i is "
       "saved as trained_models/<model>/tmr_c<C>_k<k>_e<E>/instance_<i>.pt with a sidecar (its "
       "evaluation included), so that gen_acc --mut tmr --param c<C>_k<k>_e<E>, ratio --same "
       "and mutation_test --same read it. Printed, over the instances: the accuracies of "
       "originals and mutants on I_neg, I_pos, the training split without C, the test split "
       "without C, the test inputs of C, the whole test split and --weak-test-set, each with "
       "the Wilcoxon signed-rank test (paired, scipy's) and Cohen's d (original - mutant); "
       "stat diff when p < 0.05 and d >= 0.5 (DeepCrime's rule, as the thesis used it); the "
       "thesis' Tables 5.10-5.12 and 5.14 in that form. Also written: "
       "<data-root>/targeted/<model>/tmr_<param>.json per target. Existing mutants are reused "
       "(a rerun resumes); writes are atomic; SIGINT/SIGTERM stop between mutants. The "
       "defaults are the thesis' algorithm, which barely moves a cluster of the mnist subject; "
       "--epochs 15 --rehearse 500 --fresh-rehearsal --learning-rate 0.3 corrupts 50-83% of four "
       "of its nine clusters with no stat diff on the other classes (docs/targeted.md).",
       "  cluster --model mnist --classes 0,5,7 --metric dbcv --data-root run\n"
       "  tmr --model mnist --classes 0,5,7 --instances 0-19 --data-root run\n"
       "  gen_acc --model mnist --mut tmr --param c0_k1_e2 --data-root run\n"
       "  ratio --model mnist --mut tmr --param c0_k1_e2 --same --data-root run",
       cite({{kThesis, "section 4.4, Algorithm 5"}})},
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
       cite({{kArachne, ""}, {kThesis, ""}})},
      {"bench_stats",
       "Measures mutation tests per second per core (bootstrap kill rates on the bundled MNIST "
       "accuracies) on 1 and --proc threads, checks that results are bit-identical across "
       "thread counts, and times the full sampling-effect sweep of one parameter. One JSON "
       "object on stdout.",
       "  bench_stats --data-root . --proc 2", "None: a benchmark of pmt."},
  };
}

}  // namespace

const ToolInfo& about(const std::string& tool) {
  static const std::vector<ToolInfo> tools = all_tools();
  for (const ToolInfo& t : tools)
    if (t.name == tool) return t;
  throw std::logic_error("no help for the tool " + tool);
}

}  // namespace pmt::cli
