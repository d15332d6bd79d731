import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../shared/durations.js';

/** commander parsers: a bad value stops the command before anything is changed (exit 64). */
export function ratioOption(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidArgumentError(`"${text}" is not a ratio: use a number from 0 to 1, e.g. 0.3`);
  }
  return value;
}

export function integerOption(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || value < min || value > max) {
      throw new InvalidArgumentError(`"${text}" is not a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

export function durationOption(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function choiceOption<T extends string>(choices: readonly T[]) {
  return (text: string): T => {
    if (!(choices as readonly string[]).includes(text)) throw new InvalidArgumentError(`"${text}" is not one of ${choices.join(', ')}`);
    return text as T;
  };
}
