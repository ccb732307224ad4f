import { AppError } from '#src/common/errors.js';
import { matchRoute } from './dicomweb-routes.js';

describe('the DICOMweb read routes', () => {
  const inst = '/studies/1.2.3/series/4.5/instances/6.7';

  it('name each route by its template, with its parameters percent-decoded', () => {
    expect(matchRoute('/studies')).toMatchObject({ template: '/dicomweb/studies', params: {} });
    expect(matchRoute('/studies/1.2.3/series')).toMatchObject({
      template: '/dicomweb/studies/:study/series',
      params: { study: '1.2.3' },
    });
    expect(matchRoute(`${inst}/frames/1,2`)).toMatchObject({
      template: '/dicomweb/studies/:study/series/:series/instances/:sop/frames/:frames',
      params: { study: '1.2.3', series: '4.5', sop: '6.7', frames: '1,2' },
    });
    expect(matchRoute(`${inst}/frames/3/rendered`).template).toBe(
      '/dicomweb/studies/:study/series/:series/instances/:sop/frames/:frames/rendered',
    );
    expect(matchRoute('/studies/1%2E2').params).toEqual({ study: '1.2' });
  });

  it('take the rest of the path as a bulk data path, and a trailing slash as the same resource', () => {
    expect(matchRoute(`${inst}/bulk/00281201/x`).params).toMatchObject({ path: '00281201/x' });
    expect(matchRoute('/studies/1.2.3/').template).toBe('/dicomweb/studies/:study');
  });

  it('answer 404 for a path that names no route, and 400 for one that is not valid percent-encoding', () => {
    const refusal = (path: string) => {
      try {
        matchRoute(path);
      } catch (e) {
        return (e as AppError).code;
      }
      return 'matched';
    };
    expect(refusal('/studies/1.2.3/nothing')).toBe('NOT_FOUND');
    expect(refusal(`${inst}/bulk`)).toBe('NOT_FOUND');
    expect(refusal('/studies//series')).toBe('NOT_FOUND');
    expect(refusal('/studies/%E0%A4%A')).toBe('BAD_REQUEST');
  });
});
