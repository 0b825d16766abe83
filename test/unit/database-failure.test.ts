import { expect } from 'chai';
import { translateDatabaseFailure } from '../../src/adapters/persistence/database-failure.js';
import { DomainError } from '../../src/domain/errors.js';

const failure = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('translateDatabaseFailure', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '08006', 'EMFILE', 'ENFILE']) {
    it(`makes ${code} the domain's UNAVAILABLE: the database is out of reach, not the query wrong`, () => {
      const translated = translateDatabaseFailure(failure(code));
      expect(translated).to.be.instanceOf(DomainError);
      expect((translated as DomainError).code).to.equal('UNAVAILABLE');
    });
  }

  // Messages without a code: pg's own, for a connection that never got as far as PostgreSQL.
  for (const message of ['timeout expired', 'Connection terminated due to connection timeout', 'Query read timeout']) {
    it(`makes pg's "${message}" the domain's UNAVAILABLE`, () => {
      expect(translateDatabaseFailure(new Error(message)))
        .to.be.instanceOf(DomainError)
        .with.property('code', 'UNAVAILABLE');
    });
  }

  it('leaves any other failure as it is, a fault to log', () => {
    const syntax = failure('42601');
    expect(translateDatabaseFailure(syntax)).to.equal(syntax);
  });
});
