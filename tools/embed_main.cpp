// embed: the thesis' convolutional VAE trained on a subject's split, its latent codes for the
// cluster search (cluster --embedding).
#include <cstdio>
#include <string>

#include "pmt/cli/common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/number.hpp"
#include "pmt/tools/embed.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::CommonOptions common;
  pmt::tools::EmbedOptions o;
  pmt::cli::setup_app(
      app,
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
       "The 2024 USI master's thesis on targeted post-training mutation (with DeepCrime's "
       "authors), section 5.1.2; Kingma, Welling, Auto-Encoding Variational Bayes, ICLR 2014."},
      common, pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kProc | pmt::cli::kJson);
  app.add_option("--model", o.model, "Subject: a built-in one (data/subjects/<model>.json)");
  app.add_option("--subject", o.subject_file, "A user's subject spec (JSON) instead")
      ->check(CLI::ExistingFile);
  app.add_option("--data-dir", o.data_dir, "Datasets folder [default: <data-root>/datasets]");
  app.add_option("--split", o.split, "Which split's inputs: train or test")
      ->check(CLI::IsMember({"train", "test"}))
      ->capture_default_str();
  app.add_option("--per", o.per, "all: one VAE on every class; class: one VAE per class")
      ->check(CLI::IsMember({"all", "class"}))
      ->capture_default_str();
  app.add_option("--scaling", o.scaling,
                 "Scaling of the inputs (none, max, normalization, "
                 "standard, minmax), as cluster's")
      ->check(CLI::IsMember({"none", "max", "normalization", "standard", "minmax"}))
      ->capture_default_str();
  app.add_option("--latent", o.vae.latent, "Latent dimensions")
      ->check(pmt::cli::positive())
      ->capture_default_str();
  app.add_option("--epochs", o.vae.epochs, "Training epochs")
      ->check(pmt::cli::positive())
      ->capture_default_str();
  app.add_option("--batch-size", o.vae.batch_size, "Batch size")
      ->check(pmt::cli::positive())
      ->capture_default_str();
  std::string lr = "0.001";
  app.add_option("--learning-rate", lr, "Adam's learning rate")->capture_default_str();
  app.add_option(
         "--loss", o.vae.loss,
         "Reconstruction loss: auto (bce when every input is in [0, 1], else mse), bce, mse")
      ->check(CLI::IsMember({"auto", "bce", "mse"}))
      ->capture_default_str();
  app.add_option("--out", o.out_dir, "Output folder [default: <data-root>/embeddings/<model>/]");
  return pmt::cli::run_main(app, argc, argv, common, [&] {
    o.data_root = common.data_root;
    o.vae.seed = common.seed;
    o.vae.threads = common.proc;
    o.vae.learning_rate = pmt::io::parse_double(lr, "--learning-rate", pmt::ErrorKind::kUsage);
    PMT_THROW_IF(!(o.vae.learning_rate > 0), kUsage, "--learning-rate must be positive, got {}",
                 lr);
    const auto s = pmt::tools::run_embed(o);
    if (common.json) {
      std::printf("%s\n", s.to_json().dump().c_str());
      return;
    }
    if (s.skipped) {
      std::printf("%s: already made with these options (kept)\n", s.npy.string().c_str());
      return;
    }
    for (const auto& v : s.sidecar_json.at("vaes")) {
      const std::string who =
          v.contains("class") ? "class " + std::to_string(v.at("class").get<int>()) + ": " : "";
      std::printf("%s%lld inputs: loss %.2f -> %.2f per input over %d epochs (%s), %.1f s\n",
                  who.c_str(), v.at("inputs").get<long long>(),
                  v.at("first_epoch_loss").get<double>(), v.at("last_epoch_loss").get<double>(),
                  o.vae.epochs, v.at("loss").get<std::string>().c_str(),
                  v.at("seconds").get<double>());
    }
    std::printf("latent codes (%lld x %d) in %s\n", s.sidecar_json.at("inputs").get<long long>(),
                o.vae.latent, s.npy.string().c_str());
  });
}
