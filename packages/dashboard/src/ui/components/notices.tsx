import type { ReactNode } from 'react';

/** An error state: announced to screen readers, with the server's message. */
export function ErrorAlert({ title, error }: { title?: string; error: { message: string } | string }) {
  const message = typeof error === 'string' ? error : error.message;
  return (
    <div className="alert" role="alert">
      {title ? <strong>{title} </strong> : null}
      {message}
    </div>
  );
}

/** A feature the server does not offer (an older core, a store without it). */
export function Unavailable({ children }: { children: ReactNode }) {
  return (
    <p className="note" data-testid="unavailable">
      {children}
    </p>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** Fixed-height placeholder rows, so the page does not move when data arrives. */
export function SkeletonRows({ rows, columns }: { rows: number; columns: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, row) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
        <tr key={row} className="skeleton-row">
          {Array.from({ length: columns }, (_, column) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
            <td key={column}>
              <span className="skeleton" />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}
