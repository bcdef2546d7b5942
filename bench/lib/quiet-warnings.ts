// bench → imported first (ESM evaluates imports in order), before anything loads the AWS SDK: the SDK warns
// once that its 2027 releases will need Node 22. That is a known risk (ecosystem notes §9), not news for a
// benchmark run, so that one warning is dropped and every other warning is still printed.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  // The SDK emits it as a plain 'Warning' whose message starts with its name.
  const text = `${warning.name}: ${warning.message}`;
  if (!text.includes('NodeVersionSupportWarning')) process.stderr.write(`${text}\n`);
});
