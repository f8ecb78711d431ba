// Loaded into a server process by `npm run bench -- profile <path>` (NODE_OPTIONS=--require):
// profiles only the measured window, not the boot. The runner creates `<out>.start` to begin
// and `<out>.stop` to end; the profile is then written to `<out>` (FLOWGATE_PROFILE_OUT).
const { existsSync, writeFileSync } = require('node:fs');
const { Session } = require('node:inspector');

const out = process.env.FLOWGATE_PROFILE_OUT;
if (out) {
  const session = new Session();
  session.connect();
  let state = 'waiting';
  const post = (method, params = {}) =>
    new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  const timer = setInterval(() => {
    if (state === 'waiting' && existsSync(`${out}.start`)) {
      state = 'starting';
      const interval = Number(process.env.FLOWGATE_PROFILE_INTERVAL_US || 100);
      post('Profiler.enable')
        .then(() => post('Profiler.setSamplingInterval', { interval }))
        .then(() => post('Profiler.start'))
        .then(() => (state = 'profiling'));
    } else if (state === 'profiling' && existsSync(`${out}.stop`)) {
      state = 'done';
      post('Profiler.stop').then(({ profile }) => {
        writeFileSync(out, JSON.stringify(profile));
        clearInterval(timer);
      });
    }
  }, 25);
  timer.unref();
}
