import { readableWait } from './durations';

describe('readableWait', () => {
  it.each([
    [0, '1 second'],
    [0.2, '1 second'],
    [1, '1 second'],
    [45, '45 seconds'],
    [59.5, '1 minute'],
    [60, '1 minute'],
    [61, '2 minutes'],
    [900, '15 minutes'],
    [3599, '60 minutes'],
    [3600, '1 hour'],
    [7201, '3 hours'],
  ])('%s s -> %s', (seconds, text) => {
    expect(readableWait(seconds)).toBe(text);
  });
});
