import { expect } from 'chai';
import ws from 'ws';
import { textFrame } from '../../src/adapters/ws/turn-writer.js';

/** ws's own framing, the reference: not in its typed API. */
const { Sender } = ws as unknown as {
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] };
};
const referenceFrame = (json: string) => Buffer.concat(Sender.frame(Buffer.from(json), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }));

describe('textFrame', () => {
  for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
    it(`frames a ${length}-byte payload exactly as ws does`, () => {
      const json = 'x'.repeat(length);
      expect(textFrame(json).equals(referenceFrame(json))).to.equal(true);
    });
  }

  it('counts bytes, not characters, in the length', () => {
    const json = '"é🎉"'.repeat(50);
    expect(textFrame(json).equals(referenceFrame(json))).to.equal(true);
  });
});
