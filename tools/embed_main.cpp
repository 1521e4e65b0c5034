// embed: the thesis' convolutional VAE trained on a subject's split, its latent codes for the
// cluster search (cluster --embedding).
#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/tools/embed.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::EmbedOptions o;
  pmt::cli::EmbedFlags f;
  pmt::cli::setup_app(app, "embed", o.common,
                      pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kProc | pmt::cli::kJson);
  pmt::cli::add_embed_flags(app, o, f);
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    pmt::cli::finish_embed_flags(o, f);
    pmt::cli::print(pmt::tools::run_embed(o), o.common.json);
  });
}
