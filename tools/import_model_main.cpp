// import_model: a Keras model file (.h5 from model.save, a Keras 3 .keras zip, model.to_json()
// text) or an ONNX model becomes a pmt subject spec, and with --weights its trained instance
// (docs/import.md).
#include "pmt/cli/common.hpp"
#include "pmt/tools/import_model.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::ImportModelOptions o;
  pmt::cli::setup_app(app, "import_model", o.common, pmt::cli::kDataRoot | pmt::cli::kJson);
  app.add_option("file", o.file,
                 "The model file: Keras .h5 (model.save), .keras, JSON text, or ONNX")
      ->required();
  app.add_option("--name", o.name, "The subject's name (its folders') [default: the file's stem]");
  app.add_option("--dataset", o.dataset,
                 "The folder of its data under <data-root>/datasets/ [default: the name]");
  app.add_option("--data", o.data,
                 "Its data's format: npy ({split}_x.npy, {split}_y.npy) or idx (the MNIST "
                 "family's files)")
      ->check(CLI::IsMember({"npy", "idx"}))
      ->capture_default_str();
  app.add_option("--scale", o.scale, "The stored input values are divided by it (255: pixels)")
      ->capture_default_str();
  app.add_option("-o,--out", o.out, "The spec to write [default: <name>.json]");
  app.add_flag("--weights", o.weights,
               "Also store the file's weights as sound instance 0 "
               "(<data-root>/trained_models/<name>/original/instance_0.pt)");
  app.add_option("--instance", o.instance, "Where --weights writes the instance instead");
  app.add_option("--substitute", o.substitutes,
                 "NAME=JSON: the pmt layer standing for the Keras layer NAME (a Lambda or a "
                 "custom class), e.g. lambda_1='{\"type\": \"rescaling\", \"scale\": "
                 "0.00784313725490196, \"offset\": -1}' (repeatable)");
  app.add_flag("--force", o.force, "Replace an existing spec or instance");
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    pmt::cli::print(pmt::tools::run_import_model(o), o.common.json);
  });
}
