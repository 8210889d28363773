import React from 'react';

type Props = React.SVGProps<SVGSVGElement> & {
  src: string;
  innerRef?: React.Ref<SVGSVGElement>;
  loader?: React.ReactNode;
  title?: string;
};

/**
 * A react-inlinesvg stand-in that, unlike the scaffold's mock, keeps what Grafana's Icon passes
 * through (title, role, tabIndex, click and key handlers, class), so clickable icons such as the
 * Combobox's "Clear value" work in a test. Like the scaffold's mock it fetches no SVG file.
 * Use: jest.mock('react-inlinesvg', () => jest.requireActual('../test-utils/inlineSvg')).
 */
export default function InlineSvg({
  src: _src,
  innerRef,
  loader: _loader,
  onLoad: _l,
  onError: _e,
  title,
  ...rest
}: Props) {
  return (
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" ref={innerRef} {...rest}>
      {title ? <title>{title}</title> : null}
    </svg>
  );
}
