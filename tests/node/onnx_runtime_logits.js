// Runs an exported .onnx model with ONNX Runtime (onnxruntime-node) on a float32 input file and
// writes the logits as float32, for the parity test (tests/core/export_onnx_runtime_test.cpp).
//   node onnx_runtime_logits.js MODEL.onnx INPUT.f32 N C H W OUTPUT.f32
// Prints one JSON line: the output name and shape, and the model's metadata_props count.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, inputFile, n, c, h, w, outputFile] = process.argv.slice(2);
  if (!outputFile) throw new Error('usage: node onnx_runtime_logits.js MODEL INPUT N C H W OUTPUT');
  const dims = [n, c, h, w].map(Number);
  const bytes = fs.readFileSync(inputFile);
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== count * 4) throw new Error(`${inputFile}: ${bytes.length} bytes, expected ${count * 4}`);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const results = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, dims) });
  const logits = results[session.outputNames[0]];
  fs.writeFileSync(outputFile, Buffer.from(logits.data.buffer, logits.data.byteOffset, logits.data.byteLength));
  console.log(JSON.stringify({ input: session.inputNames[0], output: session.outputNames[0], dims: logits.dims }));
}

main().catch((error) => {
  console.error(`onnx_runtime_logits.js: ${error.message}`);
  process.exit(1);
});
