/**
 * kafkajs 2.2.4 schedules a timer with a negative delay on Node 24, which prints a
 * TimeoutNegativeWarning per client; Node treats it as 1 ms, which is what kafkajs meant.
 * Drop that one warning, print every other as Node would.
 */
export function quietKafkaJsTimeoutWarning(): void {
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name === 'TimeoutNegativeWarning') return;
    console.warn(`(node) ${w.name}: ${w.message}`);
  });
}
