import { compareCoordinates, coordinateText, parseCoordinate } from '../../../lib/authorization/coordinate';

describe('field coordinates', () => {
  it('keep the recorded text form Type.field both ways', () => {
    expect(coordinateText({ type: 'Resident', field: 'individualNumber' })).toBe('Resident.individualNumber');
    expect(parseCoordinate('Query.__schema')).toEqual({ type: 'Query', field: '__schema' });
  });

  it('refuse a text that is not one type and one field', () => {
    for (const text of ['Resident', '.field', 'Type.', 'A.b.c', '']) expect(() => parseCoordinate(text)).toThrow('not a field coordinate');
  });

  it('sort as their texts sort', () => {
    const texts = ['Resident.name', 'Address.full', 'Resident.address', 'AddressHistory.from'];
    expect(texts.map(parseCoordinate).sort(compareCoordinates).map(coordinateText)).toEqual([...texts].sort());
  });
});
