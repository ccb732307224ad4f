// Modules without their own types, as the bench uses them (the API's own declaration is for its TypeScript build).
declare module 'dcmjs';
