import { expect } from 'chai';
import { RecallHistory } from '../../src/application/recall-history.js';
import { InMemoryMessageRepository } from '../fakes/in-memory-message-repository.js';

const HISTORY_MAX = 5;

async function setup({ stored }: { stored: number }) {
  const messages = new InMemoryMessageRepository();
  for (let i = 1; i <= stored; i++) {
    await messages.append({ username: 'alice', text: `message ${i}`, createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)) });
  }
  const recallHistory = new RecallHistory(messages, { historyMax: HISTORY_MAX, messageMaxCharacters: 4000 });
  return { recallHistory, messages };
}

const texts = (messages: ReadonlyArray<{ text: string }>) => messages.map(({ text }) => text);

describe('RecallHistory', () => {
  it('returns the latest N messages, oldest first', async () => {
    const { recallHistory } = await setup({ stored: 10 });
    expect(texts(await recallHistory.execute({ count: 3 }))).to.deep.equal(['message 8', 'message 9', 'message 10']);
  });

  it(`clamps a count above the limit of ${HISTORY_MAX}`, async () => {
    const { recallHistory } = await setup({ stored: 10 });
    const history = await recallHistory.execute({ count: 6 });
    expect(texts(history)).to.deep.equal(['message 6', 'message 7', 'message 8', 'message 9', 'message 10']);
  });

  it('clamps a count too large to be a safe integer', async () => {
    const { recallHistory } = await setup({ stored: 10 });
    expect(await recallHistory.execute({ count: Number('99999999999999999999') })).to.have.length(HISTORY_MAX);
  });

  it('returns every message when fewer than N are stored', async () => {
    const { recallHistory } = await setup({ stored: 2 });
    expect(texts(await recallHistory.execute({ count: 4 }))).to.deep.equal(['message 1', 'message 2']);
  });

  it('returns nothing when nothing is stored', async () => {
    const { recallHistory } = await setup({ stored: 0 });
    expect(await recallHistory.execute({ count: 3 })).to.deep.equal([]);
  });

  it('returns the messages as stored, ids increasing', async () => {
    const { recallHistory, messages } = await setup({ stored: 3 });
    expect(await recallHistory.execute({ count: 3 })).to.deep.equal(messages.all());
    expect(messages.all().map(({ id }) => id)).to.deep.equal([1, 2, 3]);
  });
});
