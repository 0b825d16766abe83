// The limits this server keeps (GET /api/limits, docs/protocol.md), so that
// the page can state them before the server refuses a text, instead of
// learning them from a refusal. Until the answer comes, the documented
// defaults hold.

export const DEFAULT_LIMITS = Object.freeze({
  messageMax: 4000,
  historyMax: 100,
  roomsPerConnection: 50,
  titleMax: 64,
  searchQueryMax: 200,
  searchPageMax: 50,
});

/** @returns {Promise<typeof DEFAULT_LIMITS | null>} null when the server could not be asked */
export async function fetchLimits() {
  let body;
  try {
    const response = await fetch('/api/limits', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!response.ok) return null;
    body = await response.json();
  } catch {
    return null;
  }
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(limits)) {
    const value = body?.[key];
    if (Number.isSafeInteger(value) && value > 0) limits[key] = value;
  }
  return limits;
}
